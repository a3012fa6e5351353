/**
 * RedisPubSub against a real redis-server (Debian's, started per test on a free port): fan-out
 * across instances with the exact bytes in order, the publisher's trace continued by a CONSUMER
 * span, isolation of failing handlers, fail-fast publishing while Redis is down, reconnection
 * and resubscription when it returns, and unsubscribing.
 *
 * The global tracer provider can be registered once per process (ava gives each file its own),
 * so it is registered here, first; spans are told apart by trace id, so tests may run in parallel.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import test from "ava";
import { Redis } from "ioredis";
import { type RedisServer, startRedis, waitUntil } from "../../test/support/redis.js";
import { RedisPubSub } from "../src/bus/redis-pubsub.js";
import { createLogger, type Logger } from "../src/telemetry/logger.js";
import { startTracing } from "../src/telemetry/start-tracing.js";

const exporter = new InMemorySpanExporter();
const tracing = startTracing({
  serviceName: "redis-pubsub-test",
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
test.after.always(() => tracing.shutdown());

/** A Redis server and the buses on it, all closed when the test ends, whatever happened. */
async function setup(
  t: { teardown(fn: () => Promise<void>): void },
  options: { logger?: Logger } = {},
): Promise<{ redis: RedisServer; bus: () => Promise<RedisPubSub> }> {
  const redis = await startRedis();
  const buses: RedisPubSub[] = [];
  t.teardown(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await redis.close();
  });
  return {
    redis,
    async bus() {
      const bus = new RedisPubSub({ url: redis.url, keyPrefix: "test:", ...options });
      buses.push(bus);
      await waitUntil(() => bus.connected, "the bus is connected");
      return bus;
    },
  };
}

/** Collects what a subscription receives. */
function collector(): { received: Uint8Array[]; handler: (payload: Uint8Array) => void } {
  const received: Uint8Array[] = [];
  return { received, handler: (payload) => received.push(payload) };
}

/**
 * Whether `promise` settles before the event loop's next turn: a promise that only microtasks
 * stand between is done by then, one waiting for a timer, a socket or a queue is not. This tells
 * "failed fast" from "failed after a timeout" without measuring time.
 */
async function settlesAtOnce(promise: Promise<unknown>): Promise<string> {
  return Promise.race([
    promise.then(
      () => "resolved",
      () => "rejected",
    ),
    new Promise<string>((resolve) => setImmediate(() => resolve("still pending"))),
  ]);
}

/** A logger whose JSON lines the test reads back. */
function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  let text = "";
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger({ service: "test", level: "debug", destination }),
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

test("every instance, the publisher included, receives the exact bytes in publish order", async (t) => {
  const { bus } = await setup(t);
  const a = await bus();
  const b = await bus();
  const atA = collector();
  const atB = collector();
  await a.subscribe("room.1", atA.handler);
  await b.subscribe("room.1", atB.handler);

  // Varied sizes, including empty and larger than one TCP segment.
  const sent = Array.from(
    { length: 200 },
    (_, i) => new Uint8Array(randomBytes(i === 0 ? 0 : i === 1 ? 100_000 : (i * 37) % 300)),
  );
  await Promise.all(sent.map((payload) => a.publish("room.1", payload)));

  await waitUntil(
    () => atA.received.length >= sent.length && atB.received.length >= sent.length,
    "both instances received every message",
  );
  t.deepEqual(atB.received, sent);
  t.deepEqual(atA.received, sent);
  t.true(atB.received.every((payload) => payload.constructor === Uint8Array));
});

test("topics are separate, and the key prefix separates deployments sharing a Redis", async (t) => {
  const { redis, bus } = await setup(t);
  const a = await bus();
  const other = new RedisPubSub({ url: redis.url, keyPrefix: "other:" });
  t.teardown(() => other.close());
  await waitUntil(() => other.connected, "the other deployment's bus is connected");

  const room1 = collector();
  const room2 = collector();
  const otherRoom1 = collector();
  await a.subscribe("room.1", room1.handler);
  await a.subscribe("room.2", room2.handler);
  await other.subscribe("room.1", otherRoom1.handler);

  await a.publish("room.2", Uint8Array.of(2));
  await other.publish("room.1", Uint8Array.of(9));
  await a.publish("room.1", Uint8Array.of(1));
  await waitUntil(() => room1.received.length === 1, "room.1 received its message");
  await waitUntil(() => otherRoom1.received.length === 1, "the other deployment received its own");

  t.deepEqual(room1.received, [Uint8Array.of(1)]);
  t.deepEqual(room2.received, [Uint8Array.of(2)]);
  t.deepEqual(otherRoom1.received, [Uint8Array.of(9)]);
});

test("a handler runs in a CONSUMER span that continues the publisher's trace", async (t) => {
  const { bus } = await setup(t);
  const a = await bus();
  const b = await bus();
  let activeInHandler: string | undefined;
  await b.subscribe("traced", () => {
    activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
  });

  const tracer = trace.getTracer("redis-pubsub-test");
  const publishing = await tracer.startActiveSpan("send message", async (span) => {
    await a.publish("traced", Uint8Array.of(1, 2, 3));
    span.end();
    return span.spanContext();
  });

  await waitUntil(
    () =>
      exporter
        .getFinishedSpans()
        .some(
          (s) => s.spanContext().traceId === publishing.traceId && s.kind === SpanKind.CONSUMER,
        ),
    "the consumer span is exported",
  );
  const consumers = exporter
    .getFinishedSpans()
    .filter((s) => s.spanContext().traceId === publishing.traceId && s.kind === SpanKind.CONSUMER);
  t.is(consumers.length, 1);
  const consumer = consumers[0]!;
  t.is(consumer.name, "process traced");
  // The publish has its own PRODUCER span under the active one; deliveries hang below it.
  const producer = exporter
    .getFinishedSpans()
    .find((s) => s.spanContext().traceId === publishing.traceId && s.kind === SpanKind.PRODUCER);
  t.is(producer?.parentSpanContext?.spanId, publishing.spanId);
  t.is(consumer.parentSpanContext?.spanId, producer?.spanContext().spanId);
  t.true(consumer.parentSpanContext?.isRemote, "the parent arrived through Redis");
  t.is(consumer.attributes["messaging.destination.name"], "traced");
  t.is(activeInHandler, consumer.spanContext().spanId, "the handler ran inside the span");
});

test("without an active span the message still arrives, in a new trace", async (t) => {
  const { bus } = await setup(t);
  const a = await bus();
  const got = collector();
  await a.subscribe("untraced", got.handler);
  await a.publish("untraced", Uint8Array.of(7));
  await waitUntil(() => got.received.length === 1, "the message arrived");
  t.deepEqual(got.received, [Uint8Array.of(7)]);
});

test("a handler that throws or rejects is logged and does not stop the others", async (t) => {
  const log = captureLogger();
  const { bus } = await setup(t, { logger: log.logger });
  const a = await bus();
  const good = collector();
  await a.subscribe("fragile", () => {
    throw new Error("handler bug");
  });
  await a.subscribe("fragile", async () => {
    throw new Error("async handler bug");
  });
  await a.subscribe("fragile", good.handler);

  await a.publish("fragile", Uint8Array.of(1));
  await a.publish("fragile", Uint8Array.of(2));
  await waitUntil(() => good.received.length === 2, "the healthy handler got both messages");
  t.deepEqual(good.received, [Uint8Array.of(1), Uint8Array.of(2)]);

  await waitUntil(
    () => log.lines().filter((line) => line.msg === "bus subscriber failed").length === 4,
    "both failures of both messages are logged",
  );
  const failures = log.lines().filter((line) => line.msg === "bus subscriber failed");
  t.true(failures.every((line) => line.topic === "fragile" && line.level === 50));
  const messages = failures.map((line) => (line.err as { message: string }).message).sort();
  t.deepEqual(messages, ["async handler bug", "async handler bug", "handler bug", "handler bug"]);
});

test("a foreign or corrupt message on the channel is dropped, later ones still arrive", async (t) => {
  const log = captureLogger();
  const { redis, bus } = await setup(t, { logger: log.logger });
  const a = await bus();
  const got = collector();
  await a.subscribe("room", got.handler);

  const raw = new Redis(redis.url);
  t.teardown(() => raw.disconnect());
  await raw.publish("test:room", "not a bus frame");
  await raw.publish("test:room", Buffer.from([1, 0xff, 0xff, 0]));
  await a.publish("room", Uint8Array.of(42));

  await waitUntil(() => got.received.length === 1, "the valid message arrived");
  t.deepEqual(got.received, [Uint8Array.of(42)]);
  const dropped = log.lines().filter((line) => line.msg === "dropped an unreadable bus message");
  t.is(dropped.length, 2);
});

test("while Redis is down publish rejects and the bus says so; when it returns, delivery resumes", async (t) => {
  const { redis, bus } = await setup(t);
  const a = await bus();
  const b = await bus();
  const changesA: boolean[] = [];
  const changesB: boolean[] = [];
  a.onConnectionChange((connected) => changesA.push(connected));
  b.onConnectionChange((connected) => changesB.push(connected));
  const before = collector();
  await b.subscribe("room", before.handler);

  await redis.stop();
  await waitUntil(() => changesA.includes(false) && changesB.includes(false), "both saw Redis go");
  t.false(a.connected);
  t.false(b.connected);
  await t.throwsAsync(a.publish("room", Uint8Array.of(1)), { message: /bus publish on "room"/ });
  t.is(await settlesAtOnce(a.publish("room", Uint8Array.of(1))), "rejected", "no queue, no timer");

  // Subscribing while Redis is down does not wait for it; it takes effect when Redis is back.
  const during = collector();
  await b.subscribe("later", during.handler);

  await redis.start();
  await waitUntil(() => changesA.at(-1) === true && changesB.at(-1) === true, "both reconnected");
  t.true(a.connected);
  t.true(b.connected);
  t.deepEqual(changesB, [false, true]);

  await a.publish("room", Uint8Array.of(2));
  await a.publish("later", Uint8Array.of(3));
  await waitUntil(
    () => before.received.length === 1 && during.received.length === 1,
    "both subscriptions deliver again",
  );
  t.deepEqual(
    before.received,
    [Uint8Array.of(2)],
    "the message published during the outage is lost",
  );
  t.deepEqual(during.received, [Uint8Array.of(3)]);
});

test("unsubscribing stops delivery to that handler only", async (t) => {
  const { bus } = await setup(t);
  const a = await bus();
  const b = await bus();
  const kept = collector();
  const dropped = collector();
  const marker = collector();
  await b.subscribe("room", kept.handler);
  const unsubscribe = await b.subscribe("room", dropped.handler);
  const unsubscribeSame = await b.subscribe("solo", dropped.handler);
  await b.subscribe("marker", marker.handler);

  await a.publish("room", Uint8Array.of(1));
  await waitUntil(() => dropped.received.length === 1, "the first message arrived");

  await unsubscribe();
  await unsubscribeSame(); // the last handler of "solo": the channel itself is unsubscribed
  await unsubscribe(); // idempotent
  await a.publish("room", Uint8Array.of(2));
  await a.publish("solo", Uint8Array.of(3));
  // Same publisher connection, same subscriber connection: once the marker is here, anything
  // published before it has been delivered if it was going to be.
  await a.publish("marker", Uint8Array.of(0));
  await waitUntil(() => marker.received.length === 1, "the marker arrived");

  t.deepEqual(kept.received, [Uint8Array.of(1), Uint8Array.of(2)]);
  t.deepEqual(dropped.received, [Uint8Array.of(1)]);
});

test("close resolves even while Redis is down, and a closed bus refuses work", async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.close());
  const bus = new RedisPubSub({ url: redis.url, keyPrefix: "test:" });
  await waitUntil(() => bus.connected, "the bus is connected");
  await redis.stop();
  await waitUntil(() => !bus.connected, "the bus saw Redis go");

  await bus.close();
  t.false(bus.connected);
  await t.throwsAsync(bus.publish("room", Uint8Array.of(1)), { message: /closed/ });
  await t.throwsAsync(
    bus.subscribe("room", () => {}),
    { message: /closed/ },
  );
});

test("a PUBLISH whose reply comes late (Redis paused past the command timeout) still succeeds, in order", async (t) => {
  const { redis, bus } = await setup(t);
  const publisher = await bus();
  const subscriber = await bus();
  const { received, handler } = collector();
  await subscriber.subscribe("late", handler);
  const admin = new Redis(redis.url);
  t.teardown(() => admin.quit().then(() => undefined));
  // Write commands (PUBLISH among them) wait for 1.5 s: longer than the mesh's 1 s command
  // timeout, as when an overloaded instance reads its replies late.
  await admin.call("CLIENT", "PAUSE", "1500", "WRITE");
  const payloads = [1, 2, 3].map((n) => new Uint8Array([n]));
  const results = await Promise.allSettled(payloads.map((p) => publisher.publish("late", p)));
  t.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "fulfilled", "fulfilled"],
  );
  await waitUntil(() => received.length === 3, "every late message arrived");
  t.deepEqual(received, payloads);
});

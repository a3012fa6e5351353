/**
 * Trace context through the bus, on a real redis-server: a publish is a PRODUCER span under the
 * active span (the RPC that published), and each instance's delivery is one CONSUMER span whose
 * parent is that PRODUCER span, read from the frame's carrier, so one trace covers publisher and
 * every receiving instance. Failures mark the spans; log lines written during a delivery carry
 * its trace id. The in-process bus of the single-process mode does the same.
 *
 * One tracer provider per process: registered here first (ava runs each file apart).
 */
import { Writable } from "node:stream";
import { type SpanContext, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createLogger, MemoryPubSub, RedisPubSub, startTracing } from "@parley/mesh";
import test, { type ExecutionContext } from "ava";
import { startRedis, waitUntil } from "./support/redis.js";

const exporter = new InMemorySpanExporter();
const tracing = startTracing({
  serviceName: "trace-bus-test",
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const redis = await startRedis();
test.after.always(async () => {
  await redis.close();
  await tracing.shutdown();
});

const tracer = trace.getTracer("trace-bus-test");
let prefixCounter = 0;

/** A debug-level logger whose JSON lines the test reads back. */
function debugLog(service: string) {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ service, level: "debug", destination }),
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Two buses on the same Redis and prefix, as two instances of a service; closed after the test. */
async function twoInstances(t: ExecutionContext) {
  const keyPrefix = `trace-bus-${prefixCounter++}:`;
  const logA = debugLog("instance-a");
  const logB = debugLog("instance-b");
  const a = new RedisPubSub({ url: redis.url, keyPrefix, logger: logA.logger });
  const b = new RedisPubSub({ url: redis.url, keyPrefix, logger: logB.logger });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  return { a, b, logA, logB };
}

/** Publishes inside an active span named `name` and returns that span's context. */
async function publishIn(name: string, publish: () => Promise<void>): Promise<SpanContext> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      await publish();
      return span.spanContext();
    } finally {
      span.end();
    }
  });
}

function spansOf(traceId: string, kind: SpanKind): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter((s) => s.spanContext().traceId === traceId && s.kind === kind);
}

test("a publish is a PRODUCER span; each instance's delivery a CONSUMER span under it", async (t) => {
  const { a, b, logB } = await twoInstances(t);
  const activeIn: Record<string, string | undefined> = {};
  await a.subscribe("room", () => {
    activeIn.a = trace.getActiveSpan()?.spanContext().spanId;
  });
  await b.subscribe("room", () => {
    activeIn.b = trace.getActiveSpan()?.spanContext().spanId;
  });
  await waitUntil(() => a.connected && b.connected, "both buses connected");

  const rpc = await publishIn("SendMessage", () => a.publish("room", Uint8Array.of(1, 2, 3)));
  await waitUntil(
    () => spansOf(rpc.traceId, SpanKind.CONSUMER).length === 2,
    "both deliveries' spans ended",
  );

  const [producer, ...moreProducers] = spansOf(rpc.traceId, SpanKind.PRODUCER);
  t.is(moreProducers.length, 0);
  t.is(producer?.name, "send room");
  t.is(producer?.parentSpanContext?.spanId, rpc.spanId, "under the publishing RPC");
  t.like(producer?.attributes ?? {}, {
    "messaging.system": "redis",
    "messaging.destination.name": "room",
    "messaging.operation.type": "send",
    "messaging.operation.name": "publish",
    "messaging.message.body.size": 3,
  });
  t.is(producer?.status.code, SpanStatusCode.UNSET);

  const consumers = spansOf(rpc.traceId, SpanKind.CONSUMER);
  for (const consumer of consumers) {
    t.is(consumer.name, "process room");
    t.is(consumer.parentSpanContext?.spanId, producer?.spanContext().spanId);
    t.true(consumer.parentSpanContext?.isRemote, "the parent came through Redis");
    t.like(consumer.attributes, {
      "messaging.system": "redis",
      "messaging.destination.name": "room",
      "messaging.operation.type": "process",
      "messaging.message.body.size": 3,
    });
  }
  const consumerIds = consumers.map((c) => c.spanContext().spanId).sort();
  t.deepEqual(
    [activeIn.a, activeIn.b].sort(),
    consumerIds,
    "each handler ran in its delivery span",
  );

  // The receiving instance's log line for the delivery names the trace and its delivery span.
  const received = logB.lines().find((l) => l.msg === "bus message received");
  t.is(received?.trace_id, rpc.traceId);
  t.is(received?.span_id, activeIn.b);
  t.is(received?.topic, "room");
});

test("several handlers on one instance share one delivery span; a throwing one marks it", async (t) => {
  const { a, b, logB } = await twoInstances(t);
  const got: string[] = [];
  await b.subscribe("faulty", () => {
    throw new Error("handler bug");
  });
  await b.subscribe("faulty", () => {
    got.push(trace.getActiveSpan()?.spanContext().spanId ?? "none");
  });
  await waitUntil(() => a.connected && b.connected, "both buses connected");

  const rpc = await publishIn("publish faulty", () => a.publish("faulty", Uint8Array.of(9)));
  await waitUntil(() => spansOf(rpc.traceId, SpanKind.CONSUMER).length === 1, "delivery span");
  const [consumer] = spansOf(rpc.traceId, SpanKind.CONSUMER);
  t.is(consumer?.status.code, SpanStatusCode.ERROR);
  t.is(consumer?.status.message, "handler bug");
  t.deepEqual(got, [consumer?.spanContext().spanId], "the other handler still got the message");
  const failed = logB.lines().find((l) => l.msg === "bus subscriber failed");
  t.is(failed?.trace_id, rpc.traceId);
});

test.serial("a publish that fails (Redis down) ends its PRODUCER span with ERROR", async (t) => {
  const { a } = await twoInstances(t);
  await waitUntil(() => a.connected, "the bus connected");
  await redis.stop();
  t.teardown(() => redis.start());
  await waitUntil(() => !a.connected, "the bus noticed Redis is gone");

  let failure: unknown;
  const rpc = await publishIn("send while down", async () => {
    await a.publish("room", Uint8Array.of(1)).catch((err: unknown) => {
      failure = err;
    });
  });
  t.true(failure instanceof Error);
  const [producer] = spansOf(rpc.traceId, SpanKind.PRODUCER);
  t.is(producer?.status.code, SpanStatusCode.ERROR);
  t.regex(producer?.status.message ?? "", /bus publish on "room" failed/);
  t.is(producer?.events[0]?.name, "exception");
});

test("the in-process bus traces the same way", async (t) => {
  const bus = new MemoryPubSub();
  t.teardown(() => bus.close());
  let active: string | undefined;
  await bus.subscribe("local", () => {
    active = trace.getActiveSpan()?.spanContext().spanId;
  });
  const rpc = await publishIn("local publish", () => bus.publish("local", Uint8Array.of(5, 6)));
  await waitUntil(() => spansOf(rpc.traceId, SpanKind.CONSUMER).length === 1, "delivery span");
  const [producer] = spansOf(rpc.traceId, SpanKind.PRODUCER);
  const [consumer] = spansOf(rpc.traceId, SpanKind.CONSUMER);
  t.is(producer?.parentSpanContext?.spanId, rpc.spanId);
  t.is(producer?.attributes["messaging.system"], "in_process");
  t.is(consumer?.name, "process local");
  t.is(consumer?.parentSpanContext?.spanId, producer?.spanContext().spanId);
  t.is(active, consumer?.spanContext().spanId);
});

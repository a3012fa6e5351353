/**
 * A process without `OTEL_EXPORTER_OTLP_ENDPOINT` does no tracing at all (docs/tracing.md,
 * "Without a collector"): `startTracing()` registers nothing, so there is no span, no context,
 * no `traceparent` on outgoing calls and no trace carrier in bus frames. What it keeps: the RPC
 * log line names the caller's trace id, read from the incoming `traceparent`, so a request that
 * came from a traced caller can still be found in this process's logs.
 *
 * Tracing state is per process (ava runs each file in its own): this file never turns it on.
 */
import { randomBytes } from "node:crypto";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { trace } from "@opentelemetry/api";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { connectTo, MemoryPubSub, RedisPubSub, startTracing } from "@parley/mesh";
import test from "ava";
import { Redis } from "ioredis";
import { cheapHasher } from "./support/auth-e2e.js";
import { captureLogger, startAuthServer } from "./support/auth-server.js";
import { startRedis, waitUntil } from "./support/redis.js";

const tracing = startTracing({ serviceName: "untraced" });

const log = captureLogger("auth");
const server = await startAuthServer({ logger: log.logger, passwordHasher: cheapHasher() });
test.after.always(() => server.close());

/** Every `traceparent` header the client sent (undefined: none). */
const sentTraceparents: (string | null)[] = [];
const recordHeaders: Interceptor = (next) => async (req) => {
  sentTraceparents.push(req.header.get("traceparent"));
  return next(req);
};
const client = createClient(
  AuthService,
  connectTo({
    baseUrl: `http://127.0.0.1:${server.served.port}`,
    retry: { maxAttempts: 1 },
    interceptors: [recordHeaders],
  }),
);

function traceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

function rpcLine(rpc: string, from: number) {
  return log
    .lines()
    .slice(from)
    .find((l) => l.msg === "rpc" && l.rpc === `parley.auth.v1.AuthService/${rpc}`);
}

test.serial("startTracing without an endpoint registers nothing", (t) => {
  t.false(tracing.enabled);
  const span = trace.getTracer("t").startSpan("anything");
  t.false(span.isRecording(), "the API is the no-op one");
  t.is(trace.getActiveSpan(), undefined);
});

test.serial(
  "the RPC log line carries the caller's trace id; handler lines carry none",
  async (t) => {
    const caller = traceparent();
    const before = log.lines().length;
    await client.register(
      { username: "untraced", email: "untraced@example.com", password: "a long enough password" },
      { headers: { traceparent: caller.header } },
    );
    const line = rpcLine("Register", before);
    t.is(line?.code, "ok");
    t.is(line?.trace_id, caller.traceId);
    t.is(line?.span_id, undefined, "no span of its own");
    const registered = log
      .lines()
      .slice(before)
      .find((l) => l.msg === "account registered");
    t.truthy(registered);
    t.is(registered?.trace_id, undefined, "no context inside the handler without tracing");
  },
);

test.serial("no traceparent, or a malformed one: no trace id on the line", async (t) => {
  let before = log.lines().length;
  await client.getJwks({});
  t.false("trace_id" in (rpcLine("GetJwks", before) ?? { trace_id: "missing line" }));

  for (const bad of [
    "00-00000000000000000000000000000000-0000000000000001-01",
    "ff-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
    "00-0123456789ABCDEF0123456789ABCDEF-0123456789abcdef-01",
    "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01-extra",
    "garbage",
  ]) {
    before = log.lines().length;
    await client.getJwks({}, { headers: { traceparent: bad } });
    const line = rpcLine("GetJwks", before);
    t.truthy(line, bad);
    t.false("trace_id" in (line ?? {}), bad);
  }
});

test.serial("outgoing calls carry no traceparent of their own", async (t) => {
  sentTraceparents.length = 0;
  await client.getJwks({});
  t.deepEqual(sentTraceparents, [null]);
});

test.serial("bus frames carry no trace carrier and handlers run without a span", async (t) => {
  const memory = new MemoryPubSub();
  let activeInHandler: unknown = "not called";
  await memory.subscribe("topic", () => {
    activeInHandler = trace.getActiveSpan();
  });
  await memory.publish("topic", Uint8Array.of(1));
  await waitUntil(() => activeInHandler !== "not called", "the in-process handler ran");
  t.is(activeInHandler, undefined);

  const redis = await startRedis();
  t.teardown(() => redis.close());
  const bus = new RedisPubSub({ url: redis.url, keyPrefix: "off:" });
  const raw = new Redis(redis.url, { lazyConnect: true });
  t.teardown(async () => {
    await bus.close();
    raw.disconnect();
  });
  const frames: Buffer[] = [];
  await raw.connect();
  raw.on("messageBuffer", (_channel: Buffer, message: Buffer) => frames.push(message));
  await raw.subscribe("off:topic");
  const delivered: Uint8Array[] = [];
  await bus.subscribe("topic", (payload) => delivered.push(payload));
  await waitUntil(() => bus.connected, "the bus connected");
  await bus.publish("topic", Uint8Array.of(7, 8));
  await waitUntil(() => frames.length === 1 && delivered.length === 1, "the frame arrived");
  // [version 1][carrier length 0][payload]
  t.deepEqual([...(frames[0] ?? [])], [1, 0, 0, 7, 8]);
  t.deepEqual(delivered, [Uint8Array.of(7, 8)]);
});

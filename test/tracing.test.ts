/**
 * One trace across a call: the client span (from connectTo's tracing interceptor) and the server
 * span (from serve()'s) share a trace id, the server span is the client span's child through the
 * W3C `traceparent` header, both carry the rpc.* conventions, failures mark the span, and pino
 * lines written during the request name the trace.
 *
 * The global tracer provider can be registered once per process (ava gives each file its own),
 * so every tracing test lives here, and they run serially to read the exporter unambiguously.
 */
import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { connectTo, errorInterceptor, serverTracingInterceptor, startTracing } from "@parley/mesh";
import test from "ava";
import { cheapHasher, rejection } from "./support/auth-e2e.js";
import { captureLogger, startAuthServer } from "./support/auth-server.js";

// Tracing first, before any server exists (as every main.ts does).
const exporter = new InMemorySpanExporter();
const tracing = startTracing({
  serviceName: "test",
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});

const log = captureLogger("auth");
const server = await startAuthServer({ logger: log.logger, passwordHasher: cheapHasher() });
test.after.always(async () => {
  await server.close();
  await tracing.shutdown();
});

const client = createClient(
  AuthService,
  connectTo({ baseUrl: `http://127.0.0.1:${server.served.port}`, retry: { maxAttempts: 1 } }),
);

test.beforeEach(() => exporter.reset());

/** Waits until spans named `name` of both kinds have been exported, and returns them. */
async function rpcSpans(name: string): Promise<{ client: ReadableSpan; server: ReadableSpan }> {
  for (let i = 0; i < 100; i++) {
    const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
    const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT);
    const serverSpans = spans.filter((s) => s.kind === SpanKind.SERVER);
    if (clientSpans.length > 0 && serverSpans.length > 0) {
      if (clientSpans.length > 1 || serverSpans.length > 1) {
        throw new Error(`expected one client and one server span named ${name}`);
      }
      return { client: clientSpans[0] as ReadableSpan, server: serverSpans[0] as ReadableSpan };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no client and server span named ${name} were exported`);
}

test.serial("the client span and the server span of a call share one trace", async (t) => {
  const res = await client.getJwks({});
  t.true(res.keys.length >= 1);

  const spans = await rpcSpans("parley.auth.v1.AuthService/GetJwks");
  const clientContext = spans.client.spanContext();
  const serverContext = spans.server.spanContext();
  t.regex(clientContext.traceId, /^[0-9a-f]{32}$/);
  t.not(clientContext.traceId, "0".repeat(32));
  t.is(serverContext.traceId, clientContext.traceId);
  t.is(spans.server.parentSpanContext?.spanId, clientContext.spanId);
  t.true(spans.server.parentSpanContext?.isRemote, "the parent arrived over the wire");
  t.is(spans.client.parentSpanContext, undefined, "no active span: the client starts the trace");

  for (const span of [spans.client, spans.server]) {
    t.is(span.attributes["rpc.system"], "grpc");
    t.is(span.attributes["rpc.service"], "parley.auth.v1.AuthService");
    t.is(span.attributes["rpc.method"], "GetJwks");
    t.is(span.attributes["rpc.grpc.status_code"], 0);
    t.is(span.status.code, SpanStatusCode.UNSET);
  }
});

test.serial("a call made inside an active span joins that span's trace", async (t) => {
  const tracer = trace.getTracer("test");
  const outer = await tracer.startActiveSpan("checkout", async (span) => {
    try {
      await client.getJwks({});
      return span.spanContext();
    } finally {
      span.end();
    }
  });
  const spans = await rpcSpans("parley.auth.v1.AuthService/GetJwks");
  t.is(spans.client.spanContext().traceId, outer.traceId);
  t.is(spans.client.parentSpanContext?.spanId, outer.spanId);
  t.is(spans.server.spanContext().traceId, outer.traceId);
  t.is(spans.server.parentSpanContext?.spanId, spans.client.spanContext().spanId);
});

test.serial("a failing call marks the spans as errors with the gRPC status code", async (t) => {
  const before = log.lines().length;
  const err = await rejection(client.getMe({}));
  t.is(err.code, 16);

  const spans = await rpcSpans("parley.auth.v1.AuthService/GetMe");
  t.is(spans.server.spanContext().traceId, spans.client.spanContext().traceId);
  for (const span of [spans.server, spans.client]) {
    t.is(span.status.code, SpanStatusCode.ERROR);
    t.regex(span.status.message ?? "", /^unauthenticated: /);
    t.is(span.attributes["rpc.grpc.status_code"], 16);
    t.is(span.attributes["rpc.method"], "GetMe");
  }
  const rpcLine = log
    .lines()
    .slice(before)
    .find((l) => l.msg === "rpc" && l.rpc === "parley.auth.v1.AuthService/GetMe");
  t.is(rpcLine?.code, "unauthenticated");
  t.is(rpcLine?.trace_id, spans.server.spanContext().traceId);
});

test.serial("log lines written during a request carry its trace and span ids", async (t) => {
  const before = log.lines().length;
  await client.register({
    username: "traced",
    email: "traced@example.com",
    password: "a long enough password",
  });
  const spans = await rpcSpans("parley.auth.v1.AuthService/Register");
  const traceId = spans.server.spanContext().traceId;
  t.is(traceId, spans.client.spanContext().traceId);

  const lines = log.lines().slice(before);
  const rpcLine = lines.find(
    (l) => l.msg === "rpc" && l.rpc === "parley.auth.v1.AuthService/Register",
  );
  t.truthy(rpcLine, "the logging interceptor wrote its line");
  t.is(rpcLine?.code, "ok");
  t.is(rpcLine?.trace_id, traceId);
  t.is(rpcLine?.span_id, spans.server.spanContext().spanId);

  // The handler's own lines (auth's use case) join the same trace.
  const registered = lines.find((l) => l.msg === "account registered");
  t.is(registered?.trace_id, traceId);
  t.is(registered?.service, "auth");
});

test.serial(
  "Connect-protocol calls: rpc.system connect_rpc and the error code by name",
  async (t) => {
    // An in-memory Connect server with the mesh's tracing and error mapping, whose handler fails
    // the way a bug does: a plain Error, which the client only sees as a generic `internal`.
    const transport = createRouterTransport(
      (router) =>
        router.service(AuthService, {
          getJwks() {
            throw new Error("disk on fire at /var/lib/parley");
          },
        }),
      { router: { interceptors: [serverTracingInterceptor(), errorInterceptor()] } },
    );
    const err = await rejection(createClient(AuthService, transport).getJwks({}));
    t.is(err.code, Code.Internal);
    t.notRegex(err.message, /disk on fire/, "the cause stays on the server");

    const [server] = exporter
      .getFinishedSpans()
      .filter((s) => s.kind === SpanKind.SERVER && s.name === "parley.auth.v1.AuthService/GetJwks");
    t.truthy(server);
    t.is(server?.attributes["rpc.system"], "connect_rpc");
    t.is(server?.attributes["rpc.connect_rpc.error_code"], "internal");
    t.false("rpc.grpc.status_code" in (server?.attributes ?? {}));
    t.is(server?.status.code, SpanStatusCode.ERROR);
    t.regex(server?.status.message ?? "", /^internal: /);
    // The trace keeps what the wire does not: the original error, as an exception event.
    const exception = server?.events.find((e) => e.name === "exception");
    t.is(exception?.attributes?.["exception.message"], "disk on fire at /var/lib/parley");
    t.is(exception?.attributes?.["exception.type"], "Error");
  },
);

test.serial("client mistakes are ERROR spans without an exception event", async (t) => {
  await rejection(client.getMe({}));
  const spans = await rpcSpans("parley.auth.v1.AuthService/GetMe");
  t.is(spans.server.status.code, SpanStatusCode.ERROR);
  t.deepEqual(
    spans.server.events.map((e) => e.name),
    [],
    "unauthenticated is the caller's problem: no stack trace recorded",
  );
});

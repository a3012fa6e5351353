import { ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { Health } from "../health/health-service.js";
import { headerGetter, headerSetter } from "../telemetry/header-carrier.js";
import {
  connectCodeName,
  isServerFault,
  type RpcSystem,
  rpcAttributes,
  rpcCodeOf,
  rpcSpanName,
  rpcSystemOf,
} from "../telemetry/rpc-attributes.js";
import { tracingEnabled } from "../telemetry/tracing-state.js";
import { wrapStream } from "./wrap-stream.js";

const tracer = () => trace.getTracer("@parley/mesh");

/**
 * Services whose calls get no server span: load balancers and the launcher probe health every
 * few seconds per instance, and a trace per probe would bury the requests people made.
 */
const UNTRACED_SERVICES: ReadonlySet<string> = new Set([Health.typeName]);

/**
 * Server spans: continues the caller's W3C `traceparent` (or starts a trace), runs the handler
 * inside the span so logs, outgoing calls and bus messages join it, and records the outcome
 * (`rpc.grpc.status_code` or `rpc.connect_rpc.error_code`, ERROR status on any failure). Steps
 * aside when this process does not trace (no OTLP endpoint), and for health checks.
 */
export function serverTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (!tracingEnabled() || UNTRACED_SERVICES.has(req.service.typeName)) return next(req);
    const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    const system = rpcSystemOf(req.header.get("content-type"));
    const span = tracer().startSpan(
      rpcSpanName(req.service, req.method),
      { kind: SpanKind.SERVER, attributes: rpcAttributes(req.service, req.method, system) },
      parent,
    );
    return runInSpan(span, system, trace.setSpan(parent, span), () => next(req));
  };
}

/**
 * Client spans: a child of whatever span is active, propagated to the server in `traceparent`.
 * One span covers the call, including any retries and fail-over to another instance (the server
 * span below it names the instance that answered). Steps aside when this process does not trace.
 */
export function clientTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (!tracingEnabled()) return next(req);
    const parent = context.active();
    const system = rpcSystemOf(req.header.get("content-type"));
    const span = tracer().startSpan(
      rpcSpanName(req.service, req.method),
      { kind: SpanKind.CLIENT, attributes: rpcAttributes(req.service, req.method, system) },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    propagation.inject(ctx, req.header, headerSetter);
    return runInSpan(span, system, ctx, () => next(req));
  };
}

async function runInSpan<R extends { stream: boolean; message: unknown }>(
  span: Span,
  system: RpcSystem,
  ctx: Context,
  call: () => Promise<R>,
): Promise<R> {
  try {
    const res = await context.with(ctx, call);
    if (!res.stream) {
      finish(span, system, undefined);
      return res;
    }
    const message = wrapStream(res.message as AsyncIterable<unknown>, {
      onEnd: (err) => finish(span, system, err),
      within: (fn) => context.with(ctx, fn),
    });
    return { ...res, message };
  } catch (err) {
    finish(span, system, err);
    throw err;
  }
}

/**
 * Records the outcome and ends the span. Every failed call gets ERROR status (what an SRE filters
 * on in Jaeger), the code as the protocol's attribute, and, for the server's own faults
 * (`internal`, `unknown`, `data_loss`), the exception with its original cause: the wire only
 * carries a generic message, the trace keeps the reason.
 */
function finish(span: Span, system: RpcSystem, err: unknown): void {
  if (!span.isRecording()) {
    span.end();
    return;
  }
  const code = rpcCodeOf(err);
  if (system === "grpc") span.setAttribute("rpc.grpc.status_code", code ?? 0);
  if (code !== undefined) {
    if (system === "connect_rpc")
      span.setAttribute("rpc.connect_rpc.error_code", connectCodeName(code));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message:
        err instanceof ConnectError ? `${connectCodeName(code)}: ${err.rawMessage}` : String(err),
    });
    if (isServerFault(code)) {
      const cause = err instanceof ConnectError && err.cause !== undefined ? err.cause : err;
      span.recordException(cause instanceof Error ? cause : String(cause));
    }
  }
  span.end();
}

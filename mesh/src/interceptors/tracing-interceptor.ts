import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
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
import { headerGetter, headerSetter } from "../telemetry/header-carrier.js";
import { rpcAttributes, rpcSpanName } from "../telemetry/rpc-attributes.js";
import { wrapStream } from "./wrap-stream.js";

const tracer = () => trace.getTracer("@parley/mesh");

/**
 * Server spans: continues the caller's W3C `traceparent` (or starts a trace), runs the handler
 * inside the span so logs and outgoing calls join it, and records the outcome code.
 */
export function serverTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    const span = tracer().startSpan(
      rpcSpanName(req.service, req.method),
      {
        kind: SpanKind.SERVER,
        attributes: rpcAttributes(req.service, req.method, req.header.get("content-type")),
      },
      parent,
    );
    return runInSpan(span, trace.setSpan(parent, span), () => next(req));
  };
}

/**
 * Client spans: a child of whatever span is active, propagated to the server in `traceparent`.
 */
export function clientTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    const parent = context.active();
    const span = tracer().startSpan(
      rpcSpanName(req.service, req.method),
      {
        kind: SpanKind.CLIENT,
        attributes: rpcAttributes(req.service, req.method, req.header.get("content-type")),
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    propagation.inject(ctx, req.header, headerSetter);
    return runInSpan(span, ctx, () => next(req));
  };
}

async function runInSpan<R extends { stream: boolean; message: unknown }>(
  span: Span,
  ctx: Context,
  call: () => Promise<R>,
): Promise<R> {
  try {
    const res = await context.with(ctx, call);
    if (!res.stream) {
      finish(span, undefined);
      return res;
    }
    const message = wrapStream(res.message as AsyncIterable<unknown>, {
      onEnd: (err) => finish(span, err),
      within: (fn) => context.with(ctx, fn),
    });
    return { ...res, message };
  } catch (err) {
    finish(span, err);
    throw err;
  }
}

function finish(span: Span, err: unknown): void {
  const code = err === undefined ? 0 : err instanceof ConnectError ? err.code : Code.Unknown;
  span.setAttribute("rpc.grpc.status_code", code);
  if (err !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: err instanceof ConnectError ? `${Code[err.code]}: ${err.rawMessage}` : String(err),
    });
    if (err instanceof Error) span.recordException(err);
  }
  span.end();
}

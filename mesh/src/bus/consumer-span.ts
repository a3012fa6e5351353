import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

/** W3C trace context as carried next to a bus message. */
export type TraceCarrier = Record<string, string>;

/** The active trace context as `traceparent`/`tracestate`, for a message being published. */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Runs a subscriber's handler in a CONSUMER span that continues the publisher's trace, so one
 * trace covers the RPC that published and every instance that delivered the message.
 */
export function withConsumerSpan(topic: string, carrier: TraceCarrier, handler: () => void): void {
  const parent: Context = propagation.extract(ROOT_CONTEXT, carrier);
  const span = trace.getTracer("@parley/mesh").startSpan(
    `${topic} receive`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { "messaging.destination.name": topic, "messaging.operation.type": "receive" },
    },
    parent,
  );
  try {
    context.with(trace.setSpan(parent, span), handler);
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
    throw err;
  } finally {
    span.end();
  }
}

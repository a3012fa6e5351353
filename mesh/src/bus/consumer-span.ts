import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { tracingEnabled } from "../telemetry/tracing-state.js";

/** W3C trace context as carried next to a bus message (`traceparent`, `tracestate`). */
export type TraceCarrier = Record<string, string>;

/** One message on the bus, as its spans describe it. */
export interface BusMessage {
  /** `messaging.system`: `redis`, or `in_process` for the single-process bus. */
  readonly system: string;
  /** The topic, without any deployment prefix (`messaging.destination.name`). */
  readonly topic: string;
  /** Payload bytes (`messaging.message.body.size`). */
  readonly bodySize: number;
}

const EMPTY_CARRIER: TraceCarrier = Object.freeze({}) as TraceCarrier;

const tracer = () => trace.getTracer("@parley/mesh");

function attributes(message: BusMessage, operation: "send" | "process"): Attributes {
  return {
    "messaging.system": message.system,
    "messaging.destination.name": message.topic,
    "messaging.operation.type": operation,
    "messaging.operation.name": operation === "send" ? "publish" : "deliver",
    "messaging.message.body.size": message.bodySize,
  };
}

/**
 * Publishes inside a PRODUCER span `send <topic>`, a child of the active span (e.g. the Send RPC's
 * server span): `publish` gets the carrier naming that span, to put in the message, and the span
 * ends when the publish settles (ERROR when it fails). So a trace shows when the message left and
 * every instance's delivery hangs below it. When this process does not trace, the carrier is empty
 * and nothing else happens.
 */
export function withProducerSpan<T>(
  message: BusMessage,
  publish: (carrier: TraceCarrier) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return publish(EMPTY_CARRIER);
  const parent = context.active();
  const span = tracer().startSpan(
    `send ${message.topic}`,
    { kind: SpanKind.PRODUCER, attributes: attributes(message, "send") },
    parent,
  );
  const carrier: TraceCarrier = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  let sent: Promise<T>;
  try {
    sent = publish(carrier);
  } catch (err) {
    endFailed(span, err);
    throw err;
  }
  return sent.then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      endFailed(span, err);
      throw err;
    },
  );
}

/**
 * Runs the delivery of one received message in a CONSUMER span `process <topic>` whose parent is
 * the publisher's PRODUCER span (from the message's carrier, possibly from another process), so
 * one trace covers the RPC that published and every instance that delivered the message; logs
 * written by the handlers carry its trace id. The span covers `deliver`'s synchronous work;
 * {@link markDeliveryFailed} inside it flags a handler that threw. When this process does not
 * trace, `deliver` just runs.
 */
export function withConsumerSpan(
  message: BusMessage & { readonly carrier: TraceCarrier },
  deliver: () => void,
): void {
  if (!tracingEnabled()) {
    deliver();
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, message.carrier);
  const span = tracer().startSpan(
    `process ${message.topic}`,
    { kind: SpanKind.CONSUMER, attributes: attributes(message, "process") },
    parent,
  );
  try {
    context.with(trace.setSpan(parent, span), deliver);
  } catch (err) {
    endFailed(span, err);
    throw err;
  }
  span.end();
}

/**
 * Marks the active consumer span as failed (a subscriber threw while the delivery went on to the
 * others). Does nothing outside a recording span.
 */
export function markDeliveryFailed(err: unknown): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(err) });
}

function endFailed(span: Span, err: unknown): void {
  if (span.isRecording()) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(err) });
    if (err instanceof Error) span.recordException(err);
  }
  span.end();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { type Context, context, propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import type { TraceCarrier } from "../bus/consumer-span.js";
import { tracingEnabled } from "./tracing-state.js";

/** The trace context active where some work was asked for (opaque; see {@link deferredTrace}). */
export type TraceOrigin = Context | undefined;

const EMPTY_CARRIER: TraceCarrier = Object.freeze({}) as TraceCarrier;

/**
 * Work done later, or by another instance, on behalf of a call (an outbox entry sent after the
 * call answered) stays in that call's trace: take the origin where the work is asked for
 * (`origin()`, cheap: no serialization), turn it into a carrier when the work is stored
 * (`carrier(origin)`, W3C `traceparent`/`tracestate`), and run the work inside it
 * (`within(carrier, fn)`: spans started there, such as an RPC client's, are children of the
 * call's span). When this process does not trace, all three do nothing.
 */
export const deferredTrace = {
  origin(): TraceOrigin {
    return tracingEnabled() ? context.active() : undefined;
  },
  carrier(origin: TraceOrigin): TraceCarrier {
    if (origin === undefined) return EMPTY_CARRIER;
    const carrier: TraceCarrier = {};
    propagation.inject(origin, carrier);
    return carrier;
  },
  within<T>(carrier: TraceCarrier, work: () => T): T {
    if (!tracingEnabled() || Object.keys(carrier).length === 0) return work();
    return context.with(propagation.extract(ROOT_CONTEXT, carrier), work);
  },
};

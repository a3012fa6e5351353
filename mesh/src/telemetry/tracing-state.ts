/**
 * Whether this process records traces: set by `startTracing()` when it registers the SDK (an
 * OTLP endpoint or a span processor was given). When false, the mesh's tracing interceptors and
 * bus spans step aside entirely: no spans, no context switches, no trace carrier on the bus, so
 * a process without a collector pays nothing for tracing (see docs/tracing.md).
 */
let enabled = false;

/** True once `startTracing()` registered the SDK, false again after its shutdown. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Only `startTracing()` calls this. */
export function setTracingEnabled(value: boolean): void {
  enabled = value;
}

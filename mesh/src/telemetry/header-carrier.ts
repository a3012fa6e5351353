import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

/** Lets the W3C propagator read and write `traceparent`/`tracestate` on fetch-style Headers. */
export const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

export const headerSetter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

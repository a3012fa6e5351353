/** `version-traceid-parentid-flags`, lower-case hex (W3C Trace Context, level 1 and later). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(?:-|$)/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/**
 * The trace id of a W3C `traceparent` header, or undefined when the header is absent or invalid
 * (version `ff`, all-zero ids). Lets a process that records no spans still put its caller's trace
 * id on its log lines, without the OpenTelemetry context machinery.
 */
export function traceIdFromTraceparent(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId] = match;
  if (version === "ff" || traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  // Version 00 has exactly four fields; later versions may append more.
  if (version === "00" && header.trim().length !== 55) return undefined;
  return traceId;
}

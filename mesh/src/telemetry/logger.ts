import { isSpanContextValid, trace } from "@opentelemetry/api";
import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Paths pino replaces with "[redacted]": secrets never reach the logs. */
const REDACT = [
  "password",
  "newPassword",
  "token",
  "accessToken",
  "refreshToken",
  "authorization",
  "*.password",
  "*.newPassword",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.authorization",
  "headers.authorization",
  "headers.cookie",
];

export interface LoggerOptions {
  readonly service: string;
  readonly level?: string;
  /** Where to write (default stdout); tests pass a stream to read lines back. */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * A pino JSON logger whose every line carries `service` and, inside a traced request (or bus
 * delivery), the `trace_id` and `span_id` of the active span, so logs and traces join up: in
 * Jaeger, a span's trace id finds every line any process wrote for that request.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      redact: { paths: REDACT, censor: "[redacted]" },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const spanContext = span.spanContext();
        if (!isSpanContextValid(spanContext)) return {};
        return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
      },
    },
    options.destination ?? process.stdout,
  );
}

/**
 * Port interfaces every service shares, so each service's `ports.ts` re-exports them instead of
 * declaring its own copy.
 */

/** What time it is, in milliseconds since the epoch; injected so tests can move time. */
export interface Clock {
  now(): number;
}

/** The structured-logging subset services use; a pino logger fits. Never pass secrets. */
export interface StructuredLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

import { Code } from "@connectrpc/connect";

/**
 * An error a service raises on purpose, with the Connect code and a message meant for the caller.
 *
 * Services declare their domain errors in their own `errors.ts` (the one place where a failure
 * gets its code and wording); the mesh's error interceptor turns them into `ConnectError`s and
 * turns every other error into a plain `internal`, so internals never reach the wire.
 */
export class DomainError extends Error {
  override name = "DomainError";

  constructor(
    readonly code: Code,
    message: string,
    readonly details: { metadata?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }
}

/** Builds a `resource_exhausted` error carrying a `retry-after` hint in seconds. */
export function rateLimited(what: string, retryAfterMs: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new DomainError(
    Code.ResourceExhausted,
    `too many ${what}; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
    { metadata: { "retry-after": String(seconds) } },
  );
}

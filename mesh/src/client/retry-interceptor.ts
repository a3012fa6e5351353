import { MethodOptions_IdempotencyLevel as Idempotency } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

export interface RetryOptions {
  /** Attempts in all, including the first (default 3). */
  readonly maxAttempts?: number;
  /** First backoff; doubles each retry, with full jitter (default 50 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Retries unary calls to RPCs the contract marks safe to repeat (`NO_SIDE_EFFECTS` or
 * `IDEMPOTENT`) when the failure is transient (`unavailable`), with exponential backoff and full
 * jitter. Anything else, and every stream, is tried once: retrying a non-idempotent call could
 * apply it twice.
 */
export function retryInterceptor(options: RetryOptions = {}): Interceptor {
  const maxAttempts = options.maxAttempts ?? 3;
  const base = options.baseDelayMs ?? 50;
  const cap = options.maxDelayMs ?? 1_000;
  return (next) => async (req) => {
    const idempotency = req.method.idempotency;
    const retryable =
      !req.stream &&
      (idempotency === Idempotency.NO_SIDE_EFFECTS || idempotency === Idempotency.IDEMPOTENT);
    if (!retryable) return next(req);
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (err) {
        const transient = err instanceof ConnectError && err.code === Code.Unavailable;
        if (!transient || attempt >= maxAttempts || req.signal.aborted) throw err;
        const delay = Math.random() * Math.min(cap, base * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}

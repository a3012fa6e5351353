import { MethodOptions_IdempotencyLevel as Idempotency } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { timeoutFromHeaders } from "../interceptors/deadline-interceptor.js";
import { isCircuitOpen } from "./circuit-breaker.js";

export interface RetryOptions {
  /** Attempts in all, including the first (default 3). */
  readonly maxAttempts?: number;
  /** First backoff; doubles each retry, with full jitter (default 50 ms). */
  readonly baseDelayMs?: number;
  /** Largest backoff before jitter (default 1 s). */
  readonly maxDelayMs?: number;
  /** Random source for the jitter, in [0, 1) (tests). */
  readonly random?: () => number;
}

/**
 * Retries unary calls to RPCs the contract marks safe to repeat (`NO_SIDE_EFFECTS` or
 * `IDEMPOTENT`) when the failure is transient (`unavailable`), with exponential backoff and full
 * jitter (each wait is uniform in [0, min(max, base·2ⁿ))), so many clients retrying at once do
 * not hit a recovering upstream in lockstep. Anything else, and every stream, is tried once:
 * retrying a non-idempotent call could apply it twice. Retries stay within the call's deadline
 * (each attempt announces the time left in `grpc-timeout`), and an open circuit is not retried.
 */
export function retryInterceptor(options: RetryOptions = {}): Interceptor {
  const maxAttempts = options.maxAttempts ?? 3;
  const base = options.baseDelayMs ?? 50;
  const cap = options.maxDelayMs ?? 1_000;
  const random = options.random ?? Math.random;
  return (next) => async (req) => {
    const idempotency = req.method.idempotency;
    const retryable =
      !req.stream &&
      (idempotency === Idempotency.NO_SIDE_EFFECTS || idempotency === Idempotency.IDEMPOTENT);
    if (!retryable || maxAttempts <= 1) return next(req);
    const timeoutMs = timeoutFromHeaders(req.header);
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (err) {
        const transient =
          err instanceof ConnectError && err.code === Code.Unavailable && !isCircuitOpen(err);
        if (!transient || attempt >= maxAttempts || req.signal.aborted) throw err;
        const delay = random() * backoffCeiling(attempt, base, cap);
        if (deadline !== undefined && Date.now() + delay >= deadline) throw err;
        await sleep(delay, req.signal);
        if (req.signal.aborted) throw err;
        if (deadline !== undefined) {
          req.header.set("grpc-timeout", `${Math.max(1, Math.floor(deadline - Date.now()))}m`);
        }
      }
    }
  };
}

/**
 * The largest wait before retry number `retry` (1 for the first): `base·2^(retry-1)`, capped at
 * `cap`. The actual wait is uniform below it (full jitter).
 */
export function backoffCeiling(retry: number, base: number, cap: number): number {
  return Math.min(cap, base * 2 ** (retry - 1));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

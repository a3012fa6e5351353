/**
 * Exponential backoff with "full jitter": the wait before attempt `n` (0-based) is a random
 * fraction of `min(maxMs, baseMs * 2^n)`. Jitter matters more than the curve here: when a server
 * restarts, every open tab reconnects at once, and spreading the retries over the whole window
 * keeps them from arriving as one wave.
 */
export interface BackoffPolicy {
  /** Upper bound of the first wait. */
  readonly baseMs: number;
  /** No wait is longer than this. */
  readonly maxMs: number;
}

/** Reconnects and send retries: first retry within half a second, never more than 30 s apart. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * How long to wait before retry number `attempt` (0 for the first retry). `random` returns a
 * number in [0, 1) (Math.random in the app, a fixed sequence in tests).
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

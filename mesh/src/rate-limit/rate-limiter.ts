/** The outcome of taking from a rate limit. */
export interface RateDecision {
  readonly allowed: boolean;
  /** How long until the next attempt would be allowed (0 when allowed). */
  readonly retryAfterMs: number;
}

/**
 * A limit of `limit` events per `windowMs` for each key (user id, account, client address).
 * Implementations: in memory (single process) and Redis (shared across instances).
 */
export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
  /** Forgets a key, e.g. after a successful login. */
  reset(key: string): Promise<void>;
}

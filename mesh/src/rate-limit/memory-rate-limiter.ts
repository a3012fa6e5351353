import type { RateDecision, RateLimiter } from "./rate-limiter.js";

/** How a {@link MemoryRateLimiter} is sized and which clock it reads. */
export interface MemoryRateLimiterOptions {
  /** Events allowed per key within any window of `windowMs`. */
  readonly limit: number;
  /** Length of the sliding window in milliseconds. */
  readonly windowMs: number;
  /** Milliseconds since the epoch; injectable so tests can move time without waiting. */
  readonly now?: () => number;
  /**
   * Upper bound on tracked keys. An attacker cycling through keys (addresses, account names)
   * must not grow memory without bound; past this size the least recently used key is forgotten,
   * which errs towards allowing that key again rather than exhausting the process.
   */
  readonly maxKeys?: number;
}

const DEFAULT_MAX_KEYS = 100_000;

/**
 * A sliding-window-log rate limiter kept in this process's memory.
 *
 * It answers exactly "at most `limit` events in any `windowMs`", which is what the
 * {@link RateLimiter} contract promises, and computes a precise retry-after (when the oldest
 * counted event leaves the window). Memory per key is bounded by `limit` timestamps, so it suits
 * the small limits of sign-in and mail endpoints; the single-process mode uses it, several
 * instances need a shared (Redis) limiter instead. Idle keys are swept lazily on `take`, so no
 * timer keeps the process alive.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;
  /** Timestamps of counted events per key, oldest first; insertion order doubles as LRU order. */
  private readonly events = new Map<string, number[]>();
  private nextSweepAt: number;

  constructor(options: MemoryRateLimiterOptions) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rate limit must be a positive integer, got ${options.limit}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new RangeError(`rate window must be a positive number of ms, got ${options.windowMs}`);
    }
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.now = options.now ?? Date.now;
    this.maxKeys = maxKeys;
    this.nextSweepAt = this.now() + this.windowMs;
  }

  /** Number of keys currently tracked (for metrics and tests). */
  get size(): number {
    return this.events.size;
  }

  take(key: string): Promise<RateDecision> {
    return Promise.resolve(this.takeNow(key));
  }

  reset(key: string): Promise<void> {
    this.events.delete(key);
    return Promise.resolve();
  }

  private takeNow(key: string): RateDecision {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);

    const log = this.events.get(key) ?? [];
    dropExpired(log, now - this.windowMs);
    // Re-insert so the Map's order tracks recency for eviction.
    this.events.delete(key);

    if (log.length < this.limit) {
      log.push(now);
      this.events.set(key, log);
      this.evictOverflow();
      return { allowed: true, retryAfterMs: 0 };
    }
    this.events.set(key, log);
    // log[0] is the oldest counted event: the next slot opens when it leaves the window.
    const oldest = log[0] ?? now;
    return { allowed: false, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
  }

  /** Forgets keys whose every event has left the window. */
  private sweep(now: number): void {
    const cutoff = now - this.windowMs;
    for (const [key, log] of this.events) {
      const newest = log[log.length - 1];
      if (newest === undefined || newest <= cutoff) this.events.delete(key);
    }
    this.nextSweepAt = now + this.windowMs;
  }

  private evictOverflow(): void {
    while (this.events.size > this.maxKeys) {
      const lru = this.events.keys().next();
      if (lru.done) return;
      this.events.delete(lru.value);
    }
  }
}

function dropExpired(log: number[], cutoff: number): void {
  let expired = 0;
  while (expired < log.length && (log[expired] ?? Number.POSITIVE_INFINITY) <= cutoff) expired++;
  if (expired > 0) log.splice(0, expired);
}

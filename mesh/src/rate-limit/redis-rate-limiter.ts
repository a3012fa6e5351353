import { createHash, randomBytes } from "node:crypto";
import { Code } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { DomainError } from "../domain-error.js";
import { errorMessage, OutageReporter } from "../redis/outage-reporter.js";
import type { Logger } from "../telemetry/logger.js";
import type { RateDecision, RateLimiter } from "./rate-limiter.js";

/** How a {@link RedisRateLimiter} is sized, where it keeps its counts and how it fails. */
export interface RedisRateLimiterOptions {
  /**
   * The Redis connection, ideally from `createRedisClient` (no offline queue, short command
   * timeout). It is shared, not owned: closing it is the caller's job.
   */
  readonly client: Redis;
  /** Events allowed per key within any window of `windowMs`. */
  readonly limit: number;
  /** Length of the sliding window in milliseconds (a whole number). */
  readonly windowMs: number;
  /**
   * Prepended to every key, naming the limit (e.g. `"parley:messaging:send:"`), so limits that
   * share a Redis never share counts.
   */
  readonly prefix: string;
  /**
   * What to do when Redis cannot answer: `true` (default) allows the event, so an outage of the
   * limiter never becomes an outage of the service; `false` refuses it by throwing an
   * `unavailable` {@link DomainError}, for limits that protect against abuse (password guessing)
   * where letting everything through is worse than refusing for a while.
   */
  readonly failOpen?: boolean;
  /**
   * The longest a decision may wait for Redis (default 500 ms), on top of the client's own
   * command timeout, so a slow Redis costs each request at most this much.
   */
  readonly timeoutMs?: number;
  /** Where outages are logged (once each: when the limiter starts failing and when it recovers). */
  readonly logger?: Logger;
}

const DEFAULT_TIMEOUT_MS = 500;

/**
 * Sliding-window log, atomically in Redis: one sorted set per key, scored by event time.
 * Time is Redis's own clock (`TIME`), so every instance counts on the same clock whatever its
 * own drift. Expired events are trimmed, the rest counted; an allowed event is added (with a
 * member unique across instances) and the key expires once it would be empty; a denied one is
 * not counted and learns when the oldest counted event leaves the window.
 *
 * KEYS[1] = the key; ARGV = limit, window (ms), unique member. Returns {allowed 1|0, retryAfterMs}.
 */
const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry = math.ceil(tonumber(oldest[2]) + window - now)
if retry < 1 then retry = 1 end
return {0, retry}
`;

const SCRIPT_SHA = createHash("sha1").update(SLIDING_WINDOW_SCRIPT).digest("hex");

/**
 * A sliding-window rate limiter shared by every instance through Redis: "at most `limit` events
 * per key in any `windowMs`", with a precise retry-after, the same contract and the same answers
 * as {@link MemoryRateLimiter} for a single process.
 *
 * Each decision is one Lua script run (EVALSHA, EVAL when Redis does not know it yet), atomic,
 * so concurrent instances cannot both take the last slot. When Redis cannot answer (down,
 * reconnecting, slower than `timeoutMs`) the decision is immediate and follows `failOpen`; the
 * outage is logged once, and its end once. Memory in Redis per key is bounded by `limit` entries
 * and keys expire by themselves one window after their last allowed event.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: Redis;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #prefix: string;
  readonly #failOpen: boolean;
  readonly #timeoutMs: number;
  readonly #outage: OutageReporter;

  constructor(options: RedisRateLimiterOptions) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rate limit must be a positive integer, got ${options.limit}`);
    }
    if (!Number.isSafeInteger(options.windowMs) || options.windowMs < 1) {
      throw new RangeError(
        `rate window must be a positive whole number of ms, got ${options.windowMs}`,
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    this.#client = options.client;
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#prefix = options.prefix;
    this.#failOpen = options.failOpen ?? true;
    this.#timeoutMs = timeoutMs;
    this.#outage = new OutageReporter(
      options.logger,
      { limiter: options.prefix, failOpen: this.#failOpen },
      {
        down: this.#failOpen
          ? "rate limiter cannot reach Redis; allowing requests until it is back"
          : "rate limiter cannot reach Redis; refusing requests until it is back",
        up: "rate limiter reaches Redis again",
      },
    );
  }

  async take(key: string): Promise<RateDecision> {
    let reply: unknown;
    try {
      reply = await this.#call((client) => this.#runScript(client, this.#prefix + key));
    } catch (err) {
      return this.#unavailable(err, ALLOW);
    }
    const decision = parseDecision(reply);
    if (!decision) return this.#unavailable(new Error("unexpected script reply"), ALLOW);
    this.#outage.recovered();
    return decision;
  }

  async reset(key: string): Promise<void> {
    try {
      await this.#call((client) => client.del(this.#prefix + key));
    } catch (err) {
      // Failing open, a key that could not be forgotten simply expires with its window.
      return this.#unavailable(err, undefined);
    }
    this.#outage.recovered();
  }

  /** Records the failure and answers as `failOpen` says: `whenOpen`, or an `unavailable` error. */
  #unavailable<T>(err: unknown, whenOpen: T): T {
    this.#outage.failed(err);
    if (this.#failOpen) return whenOpen;
    throw new DomainError(Code.Unavailable, "rate limiting is unavailable; try again shortly", {
      cause: err,
    });
  }

  /**
   * Runs a command only when the client is connected (no waiting for a reconnect, whatever the
   * client's options) and gives up after `timeoutMs`.
   */
  async #call<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    const client = this.#client;
    if (client.status === "wait") client.connect().catch(() => {});
    if (client.status !== "ready") throw new Error(`redis is ${client.status}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(client),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`redis did not answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #runScript(client: Redis, redisKey: string): Promise<unknown> {
    const args = [
      String(this.#limit),
      String(this.#windowMs),
      randomBytes(9).toString("base64url"),
    ];
    try {
      return await client.evalsha(SCRIPT_SHA, 1, redisKey, ...args);
    } catch (err) {
      if (!errorMessage(err).startsWith("NOSCRIPT")) throw err;
      return await client.eval(SLIDING_WINDOW_SCRIPT, 1, redisKey, ...args);
    }
  }
}

const ALLOW: RateDecision = { allowed: true, retryAfterMs: 0 };

function parseDecision(reply: unknown): RateDecision | undefined {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined;
  const [allowed, retryAfterMs] = reply as unknown[];
  if (typeof allowed !== "number" || typeof retryAfterMs !== "number") return undefined;
  return allowed === 1 ? ALLOW : { allowed: false, retryAfterMs };
}

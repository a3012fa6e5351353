import { Redis, type RedisOptions } from "ioredis";
import type { ChosenStatus, PresenceRecord, PresenceStore } from "../ports.js";

const DAY = 86_400_000;

/**
 * Makes the user's session current: forgets expired connections and, when the user was not
 * present any more, starts a new session (their chosen status goes back to online).
 * KEYS: state hash, connections sorted set. ARGV[1]: now.
 */
const NEW_SESSION_IF_ABSENT = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local hb = tonumber(redis.call('HGET', KEYS[1], 'hb') or '0')
if hb <= tonumber(ARGV[1]) and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[1], 'chosen', 'online')
end
`;

/** ARGV: now, connection id, expires at, key ttl ms. */
const TOUCH = `${NEW_SESSION_IF_ABSENT}
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[1], 'seen', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`;

/** ARGV: now, status, expires at, key ttl ms. */
const HEARTBEAT = `${NEW_SESSION_IF_ABSENT}
local hb = tonumber(redis.call('HGET', KEYS[1], 'hb') or '0')
if tonumber(ARGV[3]) > hb then redis.call('HSET', KEYS[1], 'hb', ARGV[3]) end
redis.call('HSET', KEYS[1], 'chosen', ARGV[2], 'seen', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** ARGV: now, connection id. */
const DROP = `
if redis.call('ZREM', KEYS[2], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[1], 'seen', ARGV[1])
end
return 1
`;

export interface RedisPresenceStoreOptions {
  /** Prefix of every key (default `parley:messaging:presence:`). */
  readonly keyPrefix?: string;
  /** How long a user's last-seen time is kept after their last activity (default 30 days). */
  readonly retainMs?: number;
}

/**
 * {@link PresenceStore} in Redis, shared by every messaging instance. Per user: a hash (chosen
 * status, heartbeat expiry, last seen) and a sorted set of connections scored by expiry, which
 * each instance refreshes for the streams it holds. A crashed instance's connections simply
 * expire. Each change is one Lua script, so concurrent instances cannot interleave a session
 * reset with a status change.
 *
 * Calls reject while Redis is unreachable (the client should be built without an offline queue
 * and with a command timeout, as {@link createRedisPresenceStore} does); the presence tracker
 * turns that into soft failures for streams and `unavailable` for the presence RPCs.
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #prefix: string;
  readonly #retainMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisPresenceStoreOptions = {},
  ) {
    this.#prefix = options.keyPrefix ?? "parley:messaging:presence:";
    this.#retainMs = options.retainMs ?? 30 * DAY;
  }

  async touchConnection(
    userId: string,
    connectionId: string,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    await this.redis.eval(
      TOUCH,
      2,
      ...this.#keys(userId),
      now,
      connectionId,
      expiresAt,
      this.#retainMs,
    );
  }

  async dropConnection(userId: string, connectionId: string, now: number): Promise<void> {
    await this.redis.eval(DROP, 2, ...this.#keys(userId), now, connectionId);
  }

  async heartbeat(
    userId: string,
    status: ChosenStatus,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    await this.redis.eval(
      HEARTBEAT,
      2,
      ...this.#keys(userId),
      now,
      status,
      expiresAt,
      this.#retainMs,
    );
  }

  async read(userIds: readonly string[], now: number): Promise<Map<string, PresenceRecord>> {
    const result = new Map<string, PresenceRecord>();
    if (userIds.length === 0) return result;
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) {
      const [state, connections] = this.#keys(userId);
      pipeline.hmget(state, "chosen", "hb", "seen");
      pipeline.zcount(connections, `(${now}`, "+inf");
    }
    const replies = (await pipeline.exec()) ?? [];
    userIds.forEach((userId, i) => {
      const [stateErr, state] = replies[2 * i] ?? [];
      const [countErr, count] = replies[2 * i + 1] ?? [];
      if (stateErr) throw stateErr;
      if (countErr) throw countErr;
      const [chosen, hb, seen] = (state as (string | null)[] | undefined) ?? [];
      if (seen === null || seen === undefined) return;
      const present = Number(hb ?? 0) > now || Number(count ?? 0) > 0;
      result.set(
        userId,
        present
          ? { userId, status: chosen === "away" ? "away" : "online", lastSeenAt: now }
          : { userId, status: "offline", lastSeenAt: Number(seen) },
      );
    });
    return result;
  }

  #keys(userId: string): [string, string] {
    const base = `${this.#prefix}{${userId}}`;
    return [base, `${base}:connections`];
  }
}

/**
 * A presence store on its own Redis connection, failing fast instead of queueing commands while
 * Redis is unreachable (presence must never hold a stream up). Close it with `redis.quit()`.
 */
export function createRedisPresenceStore(
  url: string,
  options: RedisPresenceStoreOptions & { readonly redis?: RedisOptions } = {},
): { readonly store: RedisPresenceStore; readonly redis: Redis } {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
    ...options.redis,
  });
  // Errors surface per command; connection errors are retried by ioredis and need no handler.
  redis.on("error", () => {});
  return { store: new RedisPresenceStore(redis, options), redis };
}

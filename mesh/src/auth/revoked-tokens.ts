import type { Redis } from "ioredis";
import type { PubSub } from "../bus/pubsub.js";
import type { Logger } from "../telemetry/logger.js";

/**
 * Logout across the mesh. Access tokens are verified locally by every service, so when a person
 * logs out, auth's own denylist is not enough: auth records the token id with its expiry in a
 * durable set (Redis) and announces it on the bus; every other service keeps the ids it heard
 * of in memory until they expire and refuses those tokens, with no network call per request.
 * An instance that was disconnected from the bus reloads the set when it reconnects (the bus
 * says so only after its subscriptions are confirmed, so nothing falls in between).
 */
export const REVOKED_TOKENS_TOPIC = "auth.revoked-tokens";

/** A logged-out access token: its `jti`, and until when (epoch ms) it would have been valid. */
export interface RevokedToken {
  readonly tokenId: string;
  readonly until: number;
}

/** The durable record of revoked tokens that instances reload after being away. */
export interface RevokedTokenStore {
  /** Records `token`, forgetting those expired at `now`. */
  add(token: RevokedToken, now: number): Promise<void>;
  /** Every token still revoked at `now` (those past `until` are gone). */
  active(now: number): Promise<RevokedToken[]>;
}

/**
 * {@link RevokedTokenStore} in a Redis sorted set scored by expiry, so expired entries are cut
 * with one range delete and the set never holds more than an access-token lifetime of logouts.
 */
export class RedisRevokedTokenStore implements RevokedTokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly key = "parley:auth:revoked-tokens",
  ) {}

  async add(token: RevokedToken, now: number): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.key, token.until, token.tokenId)
      .zremrangebyscore(this.key, "-inf", now)
      .exec();
  }

  async active(now: number): Promise<RevokedToken[]> {
    const flat = await this.redis.zrangebyscore(this.key, `(${now}`, "+inf", "WITHSCORES");
    const tokens: RevokedToken[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      tokens.push({ tokenId: flat[i] ?? "", until: Number(flat[i + 1]) });
    }
    return tokens;
  }
}

/**
 * Auth's side: remembers a logged-out token in the store, then announces it. A failed announce
 * is logged, not fatal: the store has it, and instances reload the store when they reconnect.
 */
export class RevokedTokenAnnouncer {
  constructor(
    private readonly options: {
      readonly pubsub: PubSub;
      readonly store: RevokedTokenStore;
      readonly logger?: Logger | undefined;
    },
  ) {}

  async revoke(token: RevokedToken): Promise<void> {
    await this.options.store.add(token, Date.now());
    try {
      await this.options.pubsub.publish(REVOKED_TOKENS_TOPIC, encode(token));
    } catch (err) {
      this.options.logger?.warn(
        { err, tokenId: token.tokenId },
        "token revocation stored but not announced; instances pick it up when they reconnect",
      );
    }
  }
}

/** What {@link RevokedTokens.start} needs. */
export interface RevokedTokensOptions {
  readonly pubsub: PubSub;
  readonly store: RevokedTokenStore;
  readonly logger?: Logger | undefined;
  /** Default: the wall clock. */
  readonly now?: () => number;
}

/**
 * Every other service's side: the revoked token ids, kept in memory until they expire, for the
 * token verifier's `isDenied` hook. Start it with {@link RevokedTokens.start}.
 */
export class RevokedTokens {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopListening: (() => void) | undefined;
  #lastPrune = 0;

  private constructor(private readonly options: RevokedTokensOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Subscribes to announcements and loads the store (again after every reconnect). */
  static async start(options: RevokedTokensOptions): Promise<RevokedTokens> {
    const list = new RevokedTokens(options);
    list.#stopListening = options.pubsub.onConnectionChange((connected) => {
      if (connected) void list.#reload();
    });
    list.#unsubscribe = await options.pubsub.subscribe(REVOKED_TOKENS_TOPIC, (payload) => {
      const token = decode(payload);
      if (token) list.#add(token);
    });
    if (options.pubsub.connected) await list.#reload();
    return list;
  }

  /** Whether `tokenId` was logged out and has not expired yet: a map lookup. */
  has(tokenId: string): boolean {
    const until = this.#until.get(tokenId);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#until.delete(tokenId);
    return false;
  }

  /** The token verifier's hook. */
  readonly isDenied = async (tokenId: string): Promise<boolean> => this.has(tokenId);

  /** How many revoked tokens are held (expired ones may linger until the next prune). */
  get size(): number {
    return this.#until.size;
  }

  async close(): Promise<void> {
    this.#stopListening?.();
    await this.#unsubscribe?.();
  }

  #add(token: RevokedToken): void {
    const now = this.#now();
    if (token.until <= now) return;
    this.#until.set(token.tokenId, Math.max(token.until, this.#until.get(token.tokenId) ?? 0));
    if (now - this.#lastPrune > 60_000) {
      this.#lastPrune = now;
      for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
    }
  }

  async #reload(): Promise<void> {
    try {
      const tokens = await this.options.store.active(this.#now());
      for (const token of tokens) this.#add(token);
      this.options.logger?.debug({ revoked: tokens.length }, "revoked tokens reloaded");
    } catch (err) {
      this.options.logger?.warn({ err }, "could not reload revoked tokens; retrying on reconnect");
    }
  }
}

function encode(token: RevokedToken): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ t: token.tokenId, u: token.until }));
}

function decode(payload: Uint8Array): RevokedToken | undefined {
  try {
    const { t, u } = JSON.parse(new TextDecoder().decode(payload)) as { t?: unknown; u?: unknown };
    return typeof t === "string" && typeof u === "number" ? { tokenId: t, until: u } : undefined;
  } catch {
    return undefined;
  }
}

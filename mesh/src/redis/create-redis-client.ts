import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../telemetry/logger.js";
import { OutageReporter } from "./outage-reporter.js";

/** How {@link createRedisClient} connects; every field has a default suited to request paths. */
export interface RedisClientOptions {
  /** Where connection losses and recoveries are logged (once per outage). */
  readonly logger?: Logger;
  /** The connection's name, shown by `CLIENT LIST` and in the logs (e.g. "messaging-bus-pub"). */
  readonly name?: string;
  /**
   * How long a command may wait for its reply before it fails (default 1000 ms); `null` for no
   * limit (a connection whose commands are fire-and-forget: a late reply is no failure).
   */
  readonly commandTimeoutMs?: number | null;
  /** How long a connection attempt may take (default 2000 ms). */
  readonly connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff (default 2000 ms); reconnecting never gives up. */
  readonly maxReconnectDelayMs?: number;
  /** Raw ioredis options applied last, for the rare connection that needs something else. */
  readonly overrides?: Partial<RedisOptions>;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2000;

/**
 * An ioredis client that fails fast instead of waiting for Redis.
 *
 * ioredis's defaults suit batch jobs: commands issued while disconnected queue up until Redis
 * returns, and a command in flight when the connection drops is retried up to 20 times. On a
 * request path that turns a Redis outage into requests that hang, so here:
 * - no offline queue: a command issued while disconnected is rejected at once;
 * - `maxRetriesPerRequest: 0`: a command in flight when the connection drops is rejected;
 * - a command timeout, for a connection that is up but silent (a stalled or overloaded server);
 * - reconnects forever with jittered, capped exponential backoff, so the client heals by itself
 *   and many instances do not reconnect in lockstep;
 * - TCP keep-alive, so a peer that vanished without closing is noticed;
 * - errors are logged once per outage (an `error` listener is always attached, which also stops
 *   ioredis from printing every failed reconnect attempt to the console).
 *
 * The connection starts at once; `status === "ready"` says when commands can be sent.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // ioredis arms a timer for any number, 0 included; undefined arms none.
    commandTimeout:
      options.commandTimeoutMs === null
        ? undefined
        : (options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS),
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepAlive: 10_000,
    retryStrategy: (attempt) => reconnectDelay(attempt, maxDelay),
    // After a failover the old primary answers READONLY: reconnecting finds the new one.
    reconnectOnError: (err) => err.message.startsWith("READONLY"),
    ...(options.name ? { connectionName: options.name } : {}),
    ...options.overrides,
  });
  const outage = new OutageReporter(
    options.logger,
    { redis: options.name ?? "redis" },
    { down: "redis unreachable; reconnecting", up: "redis reachable again" },
  );
  client.on("error", (err: unknown) => outage.failed(err));
  client.on("ready", () => outage.recovered());
  return client;
}

/** Exponential backoff from 50 ms, capped at `maxDelay`, with ±25% jitter. */
function reconnectDelay(attempt: number, maxDelay: number): number {
  const base = Math.min(maxDelay, 50 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(Math.min(maxDelay, base * (0.75 + Math.random() * 0.5)));
}

import { join, resolve } from "node:path";
import {
  ConfigError,
  DAY,
  formatDuration,
  type MeshConfig,
  MINUTE,
  parseDuration,
  parseMeshConfig,
  parseRate,
  type RateRule,
  SECOND,
} from "@parley/mesh";

/** Messaging's own settings, typed and validated once at start. */
export interface MessagingConfig {
  /** Directory holding `messaging.db`; `":memory:"` for a throwaway store (one instance only). */
  readonly dataDir: string;
  /** Messages per user per window; `null` switches the limit off. */
  readonly sendLimit: RateRule | null;
  /** How often an open Subscribe stream gets a heartbeat (the contract says 20 s). */
  readonly heartbeatIntervalMs: number;
  /** Durable events kept per channel for stream recovery (the contract says 1,000). */
  readonly eventRetentionCount: number;
  /** How long durable events are kept for stream recovery (the contract says 24 h). */
  readonly eventRetentionMs: number;
  /** How long idempotency keys are remembered (at least the contract's 24 h). */
  readonly idempotencyTtlMs: number;
  /**
   * Live events a stream may have waiting for a slow reader before it is closed with
   * `unavailable` (the client reconnects with its positions and loses nothing).
   */
  readonly streamQueueLimit: number;
  /** How often retention pruning runs. */
  readonly housekeepingIntervalMs: number;
}

/** Thrown when the environment holds values messaging cannot run with; lists every problem. */
export class MessagingConfigError extends ConfigError {
  override name = "MessagingConfigError";

  constructor(problems: readonly string[]) {
    super("messaging", problems);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads messaging's settings from the environment. With {@link loadConfig}, the only place the
 * service touches `process.env`. Durations take `ms`, `s`, `m`, `h`, `d` (a bare number means
 * seconds); rates are `<count>/<duration>` or `off`.
 *
 * | Variable | Default |
 * | --- | --- |
 * | `PARLEY_MESSAGING_DATA_DIR` | `$PARLEY_DATA_DIR/messaging` (`./data/messaging`) |
 * | `PARLEY_MESSAGING_SEND_LIMIT` | `30/10s` per user |
 * | `PARLEY_MESSAGING_HEARTBEAT_INTERVAL` | `20s` |
 * | `PARLEY_MESSAGING_EVENT_RETENTION` | `1000` events per channel |
 * | `PARLEY_MESSAGING_EVENT_RETENTION_AGE` | `24h` |
 * | `PARLEY_MESSAGING_IDEMPOTENCY_TTL` | `48h` (at least 24h) |
 * | `PARLEY_MESSAGING_STREAM_QUEUE` | `1000` waiting events per stream |
 * | `PARLEY_MESSAGING_HOUSEKEEPING_INTERVAL` | `5m` |
 */
export function loadMessagingConfig(env: Env = process.env): MessagingConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const duration = (name: string, fallback: string, min: number, max: number): number => {
    const raw = read(name) ?? fallback;
    const ms = parseDuration(raw);
    if (ms === undefined) {
      problems.push(`${name}: expected a duration such as 500ms, 20s, 5m or 24h, got "${raw}"`);
      return parseDuration(fallback) ?? 0;
    }
    if (ms < min || ms > max) {
      problems.push(
        `${name}: must be between ${formatDuration(min)} and ${formatDuration(max)}, got "${raw}"`,
      );
    }
    return ms;
  };
  const count = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const dataDir =
    read("PARLEY_MESSAGING_DATA_DIR") ?? join(read("PARLEY_DATA_DIR") ?? "data", "messaging");
  const sendRaw = read("PARLEY_MESSAGING_SEND_LIMIT") ?? "30/10s";
  let sendLimit = parseRate(sendRaw);
  if (sendLimit === undefined) {
    problems.push(
      `PARLEY_MESSAGING_SEND_LIMIT: expected <count>/<duration> such as 30/10s, or "off", got "${sendRaw}"`,
    );
    sendLimit = null;
  }
  const config: MessagingConfig = {
    dataDir: dataDir === ":memory:" ? dataDir : resolve(dataDir),
    sendLimit,
    heartbeatIntervalMs: duration("PARLEY_MESSAGING_HEARTBEAT_INTERVAL", "20s", 10, 5 * MINUTE),
    eventRetentionCount: count("PARLEY_MESSAGING_EVENT_RETENTION", 1000, 1, 1_000_000),
    eventRetentionMs: duration("PARLEY_MESSAGING_EVENT_RETENTION_AGE", "24h", MINUTE, 30 * DAY),
    idempotencyTtlMs: duration("PARLEY_MESSAGING_IDEMPOTENCY_TTL", "48h", DAY, 30 * DAY),
    streamQueueLimit: count("PARLEY_MESSAGING_STREAM_QUEUE", 1000, 16, 1_000_000),
    housekeepingIntervalMs: duration("PARLEY_MESSAGING_HOUSEKEEPING_INTERVAL", "5m", SECOND, DAY),
  };
  if (problems.length > 0) throw new MessagingConfigError(problems);
  return config;
}

/** Everything the messaging process needs: its own settings, the mesh's, and its peers. */
export interface MessagingProcessConfig {
  readonly messaging: MessagingConfig;
  readonly mesh: MeshConfig;
  /** Auth's base URL, for the JWKS (token verification) and LookupUsers (mentions, members). */
  readonly authUrl: string;
  /** Notifications' base URL; when unset, notifications are only logged. */
  readonly notificationsUrl: string | undefined;
  /** Redis for fan-out between instances, shared rate limits and presence; unset: in-process. */
  readonly redisUrl: string | undefined;
}

/**
 * Reads the messaging process's configuration (default port 8082). Besides
 * {@link loadMessagingConfig}: `PARLEY_AUTH_URL` (default `http://localhost:8081`, `https://` in
 * mesh mode), `PARLEY_NOTIFICATIONS_URL` (unset: notifications are logged) and `PARLEY_REDIS_URL`
 * (`redis://` or `rediss://`; unset: single instance, in-process bus).
 */
export function loadConfig(env: Env = process.env): MessagingProcessConfig {
  const problems: string[] = [];
  let messaging: MessagingConfig | undefined;
  let mesh: MeshConfig | undefined;
  try {
    messaging = loadMessagingConfig(env);
  } catch (err) {
    if (!(err instanceof MessagingConfigError)) throw err;
    problems.push(...err.problems);
  }
  try {
    mesh = parseMeshConfig(env, { port: 8082 });
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  const read = (name: string) => env[name]?.trim() || undefined;
  const scheme = read("PARLEY_CERTS_DIR") ? "https" : "http";
  const authUrl = read("PARLEY_AUTH_URL") ?? `${scheme}://localhost:8081`;
  if (!isUrl(authUrl, ["http:", "https:"])) {
    problems.push(`PARLEY_AUTH_URL: expected an http(s) URL, got "${authUrl}"`);
  }
  const notificationsUrl = read("PARLEY_NOTIFICATIONS_URL");
  if (notificationsUrl !== undefined && !isUrl(notificationsUrl, ["http:", "https:"])) {
    problems.push(`PARLEY_NOTIFICATIONS_URL: expected an http(s) URL, got "${notificationsUrl}"`);
  }
  const redisUrl = read("PARLEY_REDIS_URL");
  if (redisUrl !== undefined && !isUrl(redisUrl, ["redis:", "rediss:"])) {
    problems.push("PARLEY_REDIS_URL: expected a redis:// or rediss:// URL");
  }
  if (problems.length > 0 || !messaging || !mesh) throw new MessagingConfigError(problems);
  return { messaging, mesh, authUrl: authUrl.replace(/\/+$/, ""), notificationsUrl, redisUrl };
}

function isUrl(raw: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

/** The shared environment value syntax (re-exported: tests and tools parse with it too). */
export { parseDuration, parseRate, type RateRule } from "@parley/mesh";

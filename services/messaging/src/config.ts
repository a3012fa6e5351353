import { join, resolve } from "node:path";
import {
  ConfigError,
  collectProblems,
  createEnvReader,
  DAY,
  MINUTE,
  type PeerProcessConfig,
  type RateRule,
  readPeerProcessConfig,
  SECOND,
  upstreamUrls,
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
  /**
   * SendMessage calls one instance works on at once; past it more are refused with
   * `resource_exhausted` and `retry-after` (see `SendsInHand`).
   */
  readonly maxSendsInFlight: number;
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
 * | `PARLEY_MESSAGING_MAX_SENDS_IN_FLIGHT` | `256` SendMessage calls in hand per instance |
 * | `PARLEY_MESSAGING_HOUSEKEEPING_INTERVAL` | `5m` |
 */
export function loadMessagingConfig(env: Env = process.env): MessagingConfig {
  const { problems, read, duration, count, rate } = createEnvReader(env);

  const dataDir =
    read("PARLEY_MESSAGING_DATA_DIR") ?? join(read("PARLEY_DATA_DIR") ?? "data", "messaging");
  const sendLimit = rate("PARLEY_MESSAGING_SEND_LIMIT", "30/10s");
  const config: MessagingConfig = {
    dataDir: dataDir === ":memory:" ? dataDir : resolve(dataDir),
    sendLimit,
    heartbeatIntervalMs: duration("PARLEY_MESSAGING_HEARTBEAT_INTERVAL", "20s", 10, 5 * MINUTE),
    eventRetentionCount: count("PARLEY_MESSAGING_EVENT_RETENTION", 1000, 1, 1_000_000),
    eventRetentionMs: duration("PARLEY_MESSAGING_EVENT_RETENTION_AGE", "24h", MINUTE, 30 * DAY),
    idempotencyTtlMs: duration("PARLEY_MESSAGING_IDEMPOTENCY_TTL", "48h", DAY, 30 * DAY),
    streamQueueLimit: count("PARLEY_MESSAGING_STREAM_QUEUE", 1000, 16, 1_000_000),
    // About a quarter of a second of work for a saturated instance (bench/README.md).
    maxSendsInFlight: count("PARLEY_MESSAGING_MAX_SENDS_IN_FLIGHT", 256, 1, 100_000),
    housekeepingIntervalMs: duration("PARLEY_MESSAGING_HOUSEKEEPING_INTERVAL", "5m", SECOND, DAY),
  };
  if (problems.length > 0) throw new MessagingConfigError(problems);
  return config;
}

/** Everything the messaging process needs: its own settings, the mesh's, and its peers. */
export interface MessagingProcessConfig extends PeerProcessConfig {
  readonly messaging: MessagingConfig;
  /** Auth's base URL (the first of {@link authUrls}), for LookupUsers (mentions, members). */
  readonly authUrl: string;
  /** Notifications' base URL (the first of {@link notificationsUrls}); unset: notifications are logged. */
  readonly notificationsUrl: string | undefined;
  /** Every notifications instance (Notify); empty when notifications are only logged. */
  readonly notificationsUrls: readonly string[];
}

/**
 * Reads the messaging process's configuration (default port 8082): {@link loadMessagingConfig},
 * the mesh's and its peers' settings (`readPeerProcessConfig`: `PORT`, `PARLEY_CERTS_DIR`,
 * `PARLEY_DISCOVERY_FILE`, deadlines, retries, breaker, `PARLEY_AUTH_URL`, `PARLEY_REDIS_URL`,
 * ...), and `PARLEY_NOTIFICATIONS_URL` (one URL or several separated by commas; default: the
 * discovery file's `notifications`; none: notifications are logged).
 */
export function loadConfig(env: Env = process.env): MessagingProcessConfig {
  const problems: string[] = [];
  const messaging = collectProblems(problems, () => loadMessagingConfig(env));
  const peers = readPeerProcessConfig(env, { port: 8082 }, problems);
  const notificationsUrls = upstreamUrls(
    env,
    peers?.client.discovery,
    "notifications",
    "PARLEY_NOTIFICATIONS_URL",
    problems,
  );
  if (problems.length > 0 || !messaging || !peers) throw new MessagingConfigError(problems);
  return {
    ...peers,
    messaging,
    authUrl: peers.authUrls[0] ?? "",
    notificationsUrl: notificationsUrls[0],
    notificationsUrls,
  };
}

/** The shared environment value syntax (re-exported: tests and tools parse with it too). */
export { parseDuration, parseRate, type RateRule } from "@parley/mesh";

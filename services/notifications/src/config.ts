import { join, resolve } from "node:path";
import {
  ConfigError,
  collectProblems,
  createEnvReader,
  DAY,
  HOUR,
  MINUTE,
  type PeerProcessConfig,
  parseRate,
  type RateRule,
  readPeerProcessConfig,
  SECOND,
} from "@parley/mesh";

/** Web Push delivery settings. */
export interface PushConfig {
  /** Whether notifications are sent by Web Push at all (subscriptions are kept either way). */
  readonly enabled: boolean;
  /**
   * The VAPID `sub` claim: how a push service's operator reaches whoever runs this server
   * (`mailto:` or an `https:` URL, RFC 8292 §2.1).
   */
  readonly vapidSubject: string;
  /** How long a push service keeps a message for an offline browser (the `TTL` header). */
  readonly ttlSeconds: number;
  /** How long one request to a push service may take. */
  readonly requestTimeoutMs: number;
  /** How often an instance looks for push deliveries that are due (retries, other instances' work). */
  readonly pollIntervalMs: number;
  /** Attempts per delivery before it is given up (network errors, 429 and 5xx answers). */
  readonly maxAttempts: number;
  /**
   * Whether endpoints on loopback and private addresses are allowed (development with a local
   * push service, tests). Off by default: endpoints come from users (SSRF).
   */
  readonly allowPrivateNetworks: boolean;
}

/** The notifications service's own settings, typed and validated once at start. */
export interface NotificationsConfig {
  /** Directory holding `notifications.db`; `":memory:"` for a throwaway store (one instance only). */
  readonly dataDir: string;
  /** How often an open Subscribe stream gets a heartbeat (the contract says 20 s). */
  readonly heartbeatIntervalMs: number;
  /** Events a stream may have waiting for a slow reader before it ends with `unavailable`. */
  readonly streamQueueLimit: number;
  /** Read notifications older than this are removed. */
  readonly readRetentionMs: number;
  /** Every notification older than this is removed, read or not (the contract allows 90 days). */
  readonly retentionMs: number;
  /** How long Notify's idempotency keys are remembered (the contract says at least 7 days). */
  readonly idempotencyTtlMs: number;
  /** How often retention pruning runs. */
  readonly housekeepingIntervalMs: number;
  /**
   * Per-person limit on the calls that write (MarkRead, UpdatePreferences, Register- and
   * UnregisterPushSubscription); `null` switches it off.
   */
  readonly writeLimit: RateRule | null;
  readonly push: PushConfig;
}

/** Thrown when the environment holds values notifications cannot run with; lists every problem. */
export class NotificationsConfigError extends ConfigError {
  override name = "NotificationsConfigError";

  constructor(problems: readonly string[]) {
    super("notifications", problems);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the notifications service's settings from the environment. With {@link loadConfig}, the
 * only place the service touches `process.env`. Durations take `ms`, `s`, `m`, `h`, `d` (a bare
 * number means seconds); rates are `<count>/<duration>` or `off`.
 *
 * | Variable | Default |
 * | --- | --- |
 * | `PARLEY_NOTIFICATIONS_DATA_DIR` | `$PARLEY_DATA_DIR/notifications` (`./data/notifications`) |
 * | `PARLEY_NOTIFICATIONS_HEARTBEAT_INTERVAL` | `20s` |
 * | `PARLEY_NOTIFICATIONS_STREAM_QUEUE` | `256` waiting events per stream |
 * | `PARLEY_NOTIFICATIONS_READ_RETENTION` | `30d` (read notifications) |
 * | `PARLEY_NOTIFICATIONS_RETENTION` | `90d` (every notification) |
 * | `PARLEY_NOTIFICATIONS_IDEMPOTENCY_TTL` | `8d` (at least 7d) |
 * | `PARLEY_NOTIFICATIONS_HOUSEKEEPING_INTERVAL` | `10m` |
 * | `PARLEY_NOTIFICATIONS_WRITE_LIMIT` | `120/1m` per person |
 * | `PARLEY_NOTIFICATIONS_PUSH` | `on` (`off`: subscriptions are kept, nothing is sent) |
 * | `PARLEY_NOTIFICATIONS_VAPID_SUBJECT` | `mailto:push@parley.invalid` |
 * | `PARLEY_NOTIFICATIONS_PUSH_TTL` | `24h` |
 * | `PARLEY_NOTIFICATIONS_PUSH_TIMEOUT` | `10s` |
 * | `PARLEY_NOTIFICATIONS_PUSH_POLL_INTERVAL` | `5s` |
 * | `PARLEY_NOTIFICATIONS_PUSH_ATTEMPTS` | `5` |
 * | `PARLEY_NOTIFICATIONS_PUSH_ALLOW_PRIVATE` | `off` (endpoints on private addresses refused) |
 */
export function loadNotificationsConfig(env: Env = process.env): NotificationsConfig {
  const { problems, read, duration, count, flag } = createEnvReader(env);

  const dataDir =
    read("PARLEY_NOTIFICATIONS_DATA_DIR") ??
    join(read("PARLEY_DATA_DIR") ?? "data", "notifications");
  const writeRaw = read("PARLEY_NOTIFICATIONS_WRITE_LIMIT") ?? "120/1m";
  let writeLimit = parseRate(writeRaw);
  if (writeLimit === undefined) {
    problems.push(
      `PARLEY_NOTIFICATIONS_WRITE_LIMIT: expected <count>/<duration> such as 120/1m, or "off", got "${writeRaw}"`,
    );
    writeLimit = null;
  }
  const vapidSubject = read("PARLEY_NOTIFICATIONS_VAPID_SUBJECT") ?? "mailto:push@parley.invalid";
  if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(vapidSubject)) {
    problems.push(
      `PARLEY_NOTIFICATIONS_VAPID_SUBJECT: expected a mailto: address or an https:// URL, got "${vapidSubject}"`,
    );
  }
  const retentionMs = duration("PARLEY_NOTIFICATIONS_RETENTION", "90d", DAY, 3650 * DAY);
  const readRetentionMs = duration("PARLEY_NOTIFICATIONS_READ_RETENTION", "30d", HOUR, 3650 * DAY);
  const config: NotificationsConfig = {
    dataDir: dataDir === ":memory:" ? dataDir : resolve(dataDir),
    heartbeatIntervalMs: duration("PARLEY_NOTIFICATIONS_HEARTBEAT_INTERVAL", "20s", 10, 5 * MINUTE),
    streamQueueLimit: count("PARLEY_NOTIFICATIONS_STREAM_QUEUE", 256, 16, 1_000_000),
    readRetentionMs: Math.min(readRetentionMs, retentionMs),
    retentionMs,
    idempotencyTtlMs: duration("PARLEY_NOTIFICATIONS_IDEMPOTENCY_TTL", "8d", 7 * DAY, 365 * DAY),
    housekeepingIntervalMs: duration(
      "PARLEY_NOTIFICATIONS_HOUSEKEEPING_INTERVAL",
      "10m",
      SECOND,
      DAY,
    ),
    writeLimit,
    push: {
      enabled: flag("PARLEY_NOTIFICATIONS_PUSH", true),
      vapidSubject,
      ttlSeconds: Math.round(
        duration("PARLEY_NOTIFICATIONS_PUSH_TTL", "24h", SECOND, 28 * DAY) / 1000,
      ),
      requestTimeoutMs: duration("PARLEY_NOTIFICATIONS_PUSH_TIMEOUT", "10s", 100, 2 * MINUTE),
      pollIntervalMs: duration("PARLEY_NOTIFICATIONS_PUSH_POLL_INTERVAL", "5s", 10, HOUR),
      maxAttempts: count("PARLEY_NOTIFICATIONS_PUSH_ATTEMPTS", 5, 1, 50),
      allowPrivateNetworks: flag("PARLEY_NOTIFICATIONS_PUSH_ALLOW_PRIVATE", false),
    },
  };
  if (problems.length > 0) throw new NotificationsConfigError(problems);
  return config;
}

/** Everything the notifications process needs: its own settings, the mesh's, and its peers. */
export interface NotificationsProcessConfig extends PeerProcessConfig {
  readonly notifications: NotificationsConfig;
}

/**
 * Reads the notifications process's configuration (default port 8085):
 * {@link loadNotificationsConfig}, and the mesh's and its peers' settings
 * (`readPeerProcessConfig`: `PORT`, `HOST`, `PARLEY_CERTS_DIR`, `PARLEY_POLICY_FILE`,
 * `LOG_LEVEL`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `PARLEY_DISCOVERY_FILE`, deadlines, retries,
 * breaker, `PARLEY_AUTH_URL` for the JWKS, `PARLEY_REDIS_URL`).
 */
export function loadConfig(env: Env = process.env): NotificationsProcessConfig {
  const problems: string[] = [];
  const notifications = collectProblems(problems, () => loadNotificationsConfig(env));
  const peers = readPeerProcessConfig(env, { port: 8085 }, problems);
  if (problems.length > 0 || !notifications || !peers) {
    throw new NotificationsConfigError(problems);
  }
  return { ...peers, notifications };
}

import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import test from "ava";
import { loadConfig, loadNotificationsConfig, NotificationsConfigError } from "../src/config.js";
import { tempDir } from "./helpers/harness.js";

const DAY = 24 * 3_600_000;

test("defaults follow the contract and need no environment", (t) => {
  const config = loadNotificationsConfig({});
  t.is(config.dataDir, resolve(join("data", "notifications")));
  t.is(config.heartbeatIntervalMs, 20_000);
  t.is(config.retentionMs, 90 * DAY);
  t.is(config.readRetentionMs, 30 * DAY);
  t.true(config.idempotencyTtlMs >= 7 * DAY, "keys are remembered at least 7 days");
  t.deepEqual(config.writeLimit, { limit: 120, windowMs: 60_000 });
  t.true(config.push.enabled);
  t.false(config.push.allowPrivateNetworks, "no pushes to private addresses by default");
  t.is(config.push.ttlSeconds, 86_400);
  const process = loadConfig({});
  t.is(process.mesh.port, 8085);
  t.deepEqual(process.authUrls, ["http://localhost:8081"]);
  t.is(process.redisUrl, undefined);
  t.deepEqual(loadConfig({ PARLEY_CERTS_DIR: "/certs" }).authUrls, ["https://localhost:8081"]);
});

test("every variable is read", (t) => {
  const config = loadConfig({
    PARLEY_DATA_DIR: "/srv/parley",
    PARLEY_NOTIFICATIONS_HEARTBEAT_INTERVAL: "250ms",
    PARLEY_NOTIFICATIONS_STREAM_QUEUE: "64",
    PARLEY_NOTIFICATIONS_READ_RETENTION: "7d",
    PARLEY_NOTIFICATIONS_RETENTION: "30d",
    PARLEY_NOTIFICATIONS_IDEMPOTENCY_TTL: "10d",
    PARLEY_NOTIFICATIONS_HOUSEKEEPING_INTERVAL: "1m",
    PARLEY_NOTIFICATIONS_WRITE_LIMIT: "off",
    PARLEY_NOTIFICATIONS_PUSH: "off",
    PARLEY_NOTIFICATIONS_VAPID_SUBJECT: "https://parley.example.com",
    PARLEY_NOTIFICATIONS_PUSH_TTL: "1h",
    PARLEY_NOTIFICATIONS_PUSH_TIMEOUT: "3s",
    PARLEY_NOTIFICATIONS_PUSH_POLL_INTERVAL: "30s",
    PARLEY_NOTIFICATIONS_PUSH_ATTEMPTS: "8",
    PARLEY_NOTIFICATIONS_PUSH_ALLOW_PRIVATE: "on",
    PARLEY_AUTH_URL: "https://auth-1:8443/, https://auth-2:8443",
    PARLEY_REDIS_URL: "redis://cache:6379",
    PORT: "9000",
  });
  const n = config.notifications;
  t.is(n.dataDir, resolve("/srv/parley/notifications"));
  t.is(n.heartbeatIntervalMs, 250);
  t.is(n.streamQueueLimit, 64);
  t.is(n.readRetentionMs, 7 * DAY);
  t.is(n.retentionMs, 30 * DAY);
  t.is(n.idempotencyTtlMs, 10 * DAY);
  t.is(n.housekeepingIntervalMs, 60_000);
  t.is(n.writeLimit, null);
  t.deepEqual(n.push, {
    enabled: false,
    vapidSubject: "https://parley.example.com",
    ttlSeconds: 3600,
    requestTimeoutMs: 3000,
    pollIntervalMs: 30_000,
    maxAttempts: 8,
    allowPrivateNetworks: true,
  });
  t.deepEqual(config.authUrls, ["https://auth-1:8443", "https://auth-2:8443"]);
  t.is(config.redisUrl, "redis://cache:6379");
  t.is(config.mesh.port, 9000);
  t.is(loadNotificationsConfig({ PARLEY_NOTIFICATIONS_DATA_DIR: "/x/y" }).dataDir, resolve("/x/y"));
  t.is(
    loadNotificationsConfig({ PARLEY_NOTIFICATIONS_READ_RETENTION: "200d" }).readRetentionMs,
    90 * DAY,
    "read notifications are never kept longer than all notifications",
  );
});

test("peers come from the discovery file when the variables are unset", (t) => {
  const file = join(tempDir(t), "discovery.yaml");
  writeFileSync(
    file,
    "redis: redis://127.0.0.1:7400\nservices:\n  auth: [https://127.0.0.1:7401, https://127.0.0.1:7411]\n",
  );
  const config = loadConfig({ PARLEY_DISCOVERY_FILE: file });
  t.deepEqual(config.authUrls, ["https://127.0.0.1:7401", "https://127.0.0.1:7411"]);
  t.is(config.redisUrl, "redis://127.0.0.1:7400");
});

test("bad values fail at start, all named at once", (t) => {
  const err = t.throws(
    () =>
      loadConfig({
        PARLEY_NOTIFICATIONS_HEARTBEAT_INTERVAL: "soon",
        PARLEY_NOTIFICATIONS_IDEMPOTENCY_TTL: "1d",
        PARLEY_NOTIFICATIONS_WRITE_LIMIT: "lots",
        PARLEY_NOTIFICATIONS_PUSH: "maybe",
        PARLEY_NOTIFICATIONS_VAPID_SUBJECT: "ops@example.com",
        PARLEY_NOTIFICATIONS_STREAM_QUEUE: "2",
        PARLEY_AUTH_URL: "ftp://auth",
        PARLEY_REDIS_URL: "http://redis",
        PORT: "http",
      }),
    { instanceOf: NotificationsConfigError },
  );
  for (const name of [
    "PARLEY_NOTIFICATIONS_HEARTBEAT_INTERVAL",
    "PARLEY_NOTIFICATIONS_IDEMPOTENCY_TTL",
    "PARLEY_NOTIFICATIONS_WRITE_LIMIT",
    "PARLEY_NOTIFICATIONS_PUSH",
    "PARLEY_NOTIFICATIONS_VAPID_SUBJECT",
    "PARLEY_NOTIFICATIONS_STREAM_QUEUE",
    "PARLEY_AUTH_URL",
    "PARLEY_REDIS_URL",
    "PORT",
  ]) {
    t.regex(err?.message ?? "", new RegExp(name), name);
  }
});

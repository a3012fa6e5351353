import { join, resolve } from "node:path";
import test from "ava";
import {
  loadConfig,
  loadMessagingConfig,
  MessagingConfigError,
  parseDuration,
  parseRate,
} from "../src/config.js";

test("defaults follow the contract and need no environment", (t) => {
  const config = loadMessagingConfig({});
  t.is(config.dataDir, resolve(join("data", "messaging")));
  t.deepEqual(config.sendLimit, { limit: 30, windowMs: 10_000 });
  t.is(config.heartbeatIntervalMs, 20_000);
  t.is(config.eventRetentionCount, 1000);
  t.is(config.eventRetentionMs, 24 * 3_600_000);
  t.true(config.idempotencyTtlMs >= 24 * 3_600_000);
  const process = loadConfig({});
  t.is(process.mesh.port, 8082);
  t.is(process.authUrl, "http://localhost:8081");
  t.is(process.redisUrl, undefined);
  t.is(process.notificationsUrl, undefined);
});

test("every variable is read and validated", (t) => {
  const config = loadConfig({
    PARLEY_DATA_DIR: "/srv/parley",
    PARLEY_MESSAGING_SEND_LIMIT: "5/1m",
    PARLEY_MESSAGING_HEARTBEAT_INTERVAL: "250ms",
    PARLEY_MESSAGING_EVENT_RETENTION: "50",
    PARLEY_MESSAGING_EVENT_RETENTION_AGE: "2h",
    PARLEY_MESSAGING_IDEMPOTENCY_TTL: "3d",
    PARLEY_MESSAGING_STREAM_QUEUE: "64",
    PARLEY_REDIS_URL: "redis://cache:6379",
    PARLEY_AUTH_URL: "https://auth.internal:8443/",
    PARLEY_NOTIFICATIONS_URL: "https://notify.internal:8443",
    PARLEY_CERTS_DIR: "/certs",
    PORT: "9000",
  });
  t.is(config.messaging.dataDir, "/srv/parley/messaging");
  t.deepEqual(config.messaging.sendLimit, { limit: 5, windowMs: 60_000 });
  t.is(config.messaging.heartbeatIntervalMs, 250);
  t.is(config.messaging.eventRetentionCount, 50);
  t.is(config.messaging.eventRetentionMs, 7_200_000);
  t.is(config.messaging.idempotencyTtlMs, 3 * 86_400_000);
  t.is(config.messaging.streamQueueLimit, 64);
  t.is(config.redisUrl, "redis://cache:6379");
  t.is(config.authUrl, "https://auth.internal:8443");
  t.is(config.notificationsUrl, "https://notify.internal:8443");
  t.is(config.mesh.port, 9000);
  t.is(loadConfig({ PARLEY_CERTS_DIR: "/certs" }).authUrl, "https://localhost:8081", "mesh mode");
  t.is(loadMessagingConfig({ PARLEY_MESSAGING_SEND_LIMIT: "off" }).sendLimit, null);
});

test("bad values fail fast, all reported at once", (t) => {
  const err = t.throws(
    () =>
      loadConfig({
        PARLEY_MESSAGING_SEND_LIMIT: "lots",
        PARLEY_MESSAGING_IDEMPOTENCY_TTL: "1h",
        PARLEY_MESSAGING_EVENT_RETENTION: "-3",
        PARLEY_REDIS_URL: "http://not-redis",
        PARLEY_AUTH_URL: "ftp://auth",
        PORT: "99999",
      }),
    { instanceOf: MessagingConfigError },
  );
  const problems = (err as MessagingConfigError).problems.join("\n");
  for (const name of [
    "PARLEY_MESSAGING_SEND_LIMIT",
    "PARLEY_MESSAGING_IDEMPOTENCY_TTL",
    "PARLEY_MESSAGING_EVENT_RETENTION",
    "PARLEY_REDIS_URL",
    "PARLEY_AUTH_URL",
    "PORT",
  ]) {
    t.true(problems.includes(name), name);
  }
});

test("durations and rates parse as documented", (t) => {
  t.is(parseDuration("20"), 20_000);
  t.is(parseDuration("1.5h"), 5_400_000);
  t.is(parseDuration("250ms"), 250);
  t.is(parseDuration("soon"), undefined);
  t.is(parseDuration("0s"), undefined);
  t.deepEqual(parseRate("30/10s"), { limit: 30, windowMs: 10_000 });
  t.is(parseRate("OFF"), null);
  t.is(parseRate("0/1s"), undefined);
});

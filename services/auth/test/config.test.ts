import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import test from "ava";
import {
  AuthConfigError,
  loadAuthConfig,
  loadConfig,
  parseDuration,
  parseRate,
} from "../src/config.js";

test("defaults match the product decisions", (t) => {
  const config = loadAuthConfig({});
  t.is(config.dataDir, resolve("data", "auth"));
  t.is(config.accessTokenTtlMs, 900_000);
  t.is(config.refreshTokenTtlMs, 30 * 24 * 3_600_000);
  t.is(config.resetTokenTtlMs, 30 * 60_000);
  t.is(config.keyRotationIntervalMs, 7 * 24 * 3_600_000);
  t.is(config.initialAdminUsername, undefined);
  t.is(config.smtpUrl, undefined);
  t.is(config.publicUrl, "http://localhost:8080");
  t.deepEqual(config.rateLimits.loginPerAccount, { limit: 10, windowMs: 15 * 60_000 });
});

test("reads every variable", (t) => {
  const config = loadAuthConfig({
    PARLEY_DATA_DIR: "/var/lib/parley",
    PARLEY_AUTH_ACCESS_TOKEN_TTL: "600",
    PARLEY_AUTH_REFRESH_TOKEN_TTL: "7d",
    PARLEY_AUTH_RESET_TOKEN_TTL: "1h",
    PARLEY_AUTH_KEY_ROTATION_INTERVAL: "12h",
    PARLEY_AUTH_INITIAL_ADMIN: "Root",
    PARLEY_PUBLIC_URL: "https://chat.example.org/app/",
    PARLEY_SMTP_URL: "smtps://user:pw@mail.example.org:465",
    PARLEY_MAIL_FROM: "Chat <chat@example.org>",
    PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "5/10m",
    PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
  });
  t.is(config.dataDir, "/var/lib/parley/auth");
  t.is(config.accessTokenTtlMs, 600_000);
  t.is(config.refreshTokenTtlMs, 7 * 24 * 3_600_000);
  t.is(config.resetTokenTtlMs, 3_600_000);
  t.is(config.keyRotationIntervalMs, 12 * 3_600_000);
  t.is(config.initialAdminUsername, "root");
  t.is(config.publicUrl, "https://chat.example.org/app");
  t.is(config.smtpUrl, "smtps://user:pw@mail.example.org:465");
  t.is(config.mailFrom, "Chat <chat@example.org>");
  t.deepEqual(config.rateLimits.loginPerAccount, { limit: 5, windowMs: 600_000 });
  t.is(config.rateLimits.loginPerAddress, null);
  t.is(loadAuthConfig({ PARLEY_AUTH_DATA_DIR: "/srv/auth" }).dataDir, "/srv/auth");
});

test("fails fast, naming every bad variable at once", (t) => {
  const err = t.throws(
    () =>
      loadAuthConfig({
        PARLEY_AUTH_ACCESS_TOKEN_TTL: "forever",
        PARLEY_AUTH_RESET_TOKEN_TTL: "10s",
        PARLEY_AUTH_INITIAL_ADMIN: "no spaces allowed",
        PARLEY_PUBLIC_URL: "ftp://example.org",
        PARLEY_SMTP_URL: "http://mail.example.org",
        PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "ten per minute",
      }),
    { instanceOf: AuthConfigError },
  );
  const vars = [
    "PARLEY_AUTH_ACCESS_TOKEN_TTL",
    "PARLEY_AUTH_RESET_TOKEN_TTL",
    "PARLEY_AUTH_INITIAL_ADMIN",
    "PARLEY_PUBLIC_URL",
    "PARLEY_SMTP_URL",
    "PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT",
  ];
  t.is(err?.problems.length, vars.length);
  for (const name of vars) t.true(err?.message.includes(name), name);
  t.false(err?.message.includes("user:pw") ?? true);
});

test("loadConfig (the process's configuration) names every bad variable at once, not only the first", (t) => {
  // Auth's own settings: each of these is refused by a different check.
  const authErr = t.throws(
    () =>
      loadConfig({
        PARLEY_AUTH_ACCESS_TOKEN_TTL: "forever",
        PARLEY_AUTH_REFRESH_TOKEN_TTL: "1ms",
        PARLEY_AUTH_INITIAL_ADMIN: "no spaces allowed",
        PARLEY_PUBLIC_URL: "https://example.org/?q=1",
        PARLEY_MAIL_FROM: "nobody",
        PARLEY_AUTH_RESET_LIMIT_PER_EMAIL: "0/1h",
      }),
    { instanceOf: AuthConfigError },
  );
  const authVars = [
    "PARLEY_AUTH_ACCESS_TOKEN_TTL",
    "PARLEY_AUTH_REFRESH_TOKEN_TTL",
    "PARLEY_AUTH_INITIAL_ADMIN",
    "PARLEY_PUBLIC_URL",
    "PARLEY_MAIL_FROM",
    "PARLEY_AUTH_RESET_LIMIT_PER_EMAIL",
  ];
  for (const name of authVars) t.true(authErr?.message.includes(name), `${name} is named`);
  t.deepEqual(
    new Set(authErr?.problems.map((problem) => problem.slice(0, problem.indexOf(":")))),
    new Set(authVars),
  );

  // Where auth finds Redis: an unreadable discovery file and a Redis URL that is not one.
  const discoveryFile = join(tmpdir(), `parley-no-such-discovery-${randomUUID()}.yaml`);
  const clientErr = t.throws(
    () => loadConfig({ PARLEY_DISCOVERY_FILE: discoveryFile, PARLEY_REDIS_URL: "http://redis" }),
    { instanceOf: AuthConfigError },
  );
  t.is(clientErr?.problems.length, 2);
  t.true(clientErr?.message.includes("PARLEY_DISCOVERY_FILE"), "PARLEY_DISCOVERY_FILE is named");
  t.true(clientErr?.message.includes("PARLEY_REDIS_URL"), "PARLEY_REDIS_URL is named");

  // Across the groups (auth's settings, the server's, Redis): one error names them all.
  const allErr = t.throws(
    () =>
      loadConfig({
        PARLEY_AUTH_ACCESS_TOKEN_TTL: "forever",
        PORT: "http",
        PARLEY_REDIS_URL: "http://redis",
      }),
    { instanceOf: AuthConfigError },
  );
  for (const name of ["PARLEY_AUTH_ACCESS_TOKEN_TTL", "PORT", "PARLEY_REDIS_URL"]) {
    t.true(allErr?.message.includes(name), `${name} is named with the others`);
  }
});

test("a refresh lifetime not longer than the access lifetime is refused", (t) => {
  t.throws(
    () =>
      loadAuthConfig({ PARLEY_AUTH_ACCESS_TOKEN_TTL: "2h", PARLEY_AUTH_REFRESH_TOKEN_TTL: "1h" }),
    { message: /REFRESH_TOKEN_TTL: must be longer/ },
  );
});

test("duration and rate syntax", (t) => {
  t.is(parseDuration("250ms"), 250);
  t.is(parseDuration("90"), 90_000);
  t.is(parseDuration("1.5h"), 5_400_000);
  t.is(parseDuration("2D"), 172_800_000);
  t.is(parseDuration("0"), undefined);
  t.is(parseDuration("-5m"), undefined);
  t.is(parseDuration("5 weeks"), undefined);
  t.deepEqual(parseRate("10 / 15m"), { limit: 10, windowMs: 900_000 });
  t.is(parseRate("OFF"), null);
  t.is(parseRate("0/1m"), undefined);
  t.is(parseRate("10"), undefined);
});

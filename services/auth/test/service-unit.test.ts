import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { DomainError } from "@parley/mesh";
import test from "ava";
import { AccessTokens } from "../src/access-tokens.js";
import { LoggingMailer } from "../src/adapters/logging-mailer.js";
import { openSqliteAuthStore } from "../src/adapters/sqlite-auth-store.js";
import type { PasswordHasher } from "../src/ports.js";
import { RefreshTokens } from "../src/refresh-tokens.js";
import { createAuthService } from "../src/service.js";
import { SigningKeyRing } from "../src/signing-keys.js";
import { FakeClock } from "./helpers/harness.js";

/** A hasher that records what it was asked, with a switchable "needs rehash". */
class SpyHasher implements PasswordHasher {
  readonly dummyHash = "dummy-hash";
  readonly verified: string[] = [];
  hashes = 0;
  stale = false;
  async hash(password: string) {
    this.hashes++;
    return `hash:${password}:${this.hashes}`;
  }
  async verify(passwordHash: string, password: string) {
    this.verified.push(passwordHash);
    return passwordHash.startsWith(`hash:${password}:`);
  }
  needsRehash() {
    return this.stale;
  }
}

function build(t: { teardown(fn: () => void): void }) {
  const clock = new FakeClock();
  const store = openSqliteAuthStore(":memory:");
  t.teardown(() => store.close());
  const hasher = new SpyHasher();
  const keys = new SigningKeyRing({
    store: store.signingKeys,
    clock,
    rotationIntervalMs: 86_400_000,
    accessTokenTtlMs: 900_000,
  });
  const service = createAuthService({
    users: store.users,
    resetTokens: store.resetTokens,
    refreshTokens: new RefreshTokens({ store: store.refreshTokens, clock, ttlMs: 86_400_000 }),
    accessTokens: new AccessTokens({ keys, denied: store.deniedTokens, clock, ttlMs: 900_000 }),
    signingKeys: keys,
    hasher,
    mailer: new LoggingMailer(),
    clock,
    rateLimiters: {},
    settings: { publicUrl: "http://localhost", resetTokenTtlMs: 1_800_000 },
  });
  const transport = createRouterTransport((router) => router.service(AuthService, service), {
    router: {
      interceptors: [
        (next) => async (req) => {
          try {
            return await next(req);
          } catch (err) {
            if (err instanceof DomainError) throw new ConnectError(err.message, err.code);
            throw err;
          }
        },
      ],
    },
  });
  return { client: createClient(AuthService, transport), hasher, store };
}

test("an unknown account still costs one verify, against the dummy hash", async (t) => {
  const { client, hasher } = build(t);
  const err = await t.throwsAsync(
    () => client.login({ login: "nobody", password: "whatever pw" }),
    {
      instanceOf: ConnectError,
    },
  );
  t.is(err?.code, Code.Unauthenticated);
  t.deepEqual(hasher.verified, ["dummy-hash"]);
});

test("a known account is verified against its own hash", async (t) => {
  const { client, hasher } = build(t);
  await client.register({ username: "real", email: "real@example.com", password: "pw-123456" });
  await client.login({ login: "real", password: "pw-123456" });
  t.deepEqual(hasher.verified, ["hash:pw-123456:1"]);
});

test("a successful sign-in upgrades a hash made with old parameters", async (t) => {
  const { client, hasher, store } = build(t);
  const reg = await client.register({
    username: "old",
    email: "old@example.com",
    password: "pw-123456",
  });
  hasher.stale = true;
  await client.login({ login: "old", password: "pw-123456" });
  const creds = await store.users.findCredentials("old");
  t.is(creds?.passwordHash, "hash:pw-123456:2");
  t.is(creds?.user.id, reg.session?.user?.id);
});

test("a failed sign-in never rehashes", async (t) => {
  const { client, hasher } = build(t);
  await client.register({ username: "keep", email: "keep@example.com", password: "pw-123456" });
  hasher.stale = true;
  await t.throwsAsync(() => client.login({ login: "keep", password: "wrong-pw" }), {
    instanceOf: ConnectError,
  });
  t.is(hasher.hashes, 1);
});

test("without rate limiters configured, nothing is limited", async (t) => {
  const { client } = build(t);
  for (let i = 0; i < 30; i++) {
    const err = await client.login({ login: "nobody", password: "x" }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    t.is(err?.code, Code.Unauthenticated);
  }
});

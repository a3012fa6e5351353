import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from "@parley/mesh";
import test from "ava";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { AccessTokens } from "../src/access-tokens.js";
import { openSqliteAuthStore } from "../src/adapters/sqlite-auth-store.js";
import { CLOCK_SKEW_ALLOWANCE_MS, SigningKeyRing } from "../src/signing-keys.js";
import { FakeClock, register, startAuth, testConfig } from "./helpers/harness.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

test("access tokens carry the agreed header and claims and verify against the JWKS", async (t) => {
  const { client, clock } = await startAuth(t);
  const { session, user } = await register(client, "kim");

  const header = decodeProtectedHeader(session.accessToken);
  t.is(header.alg, "EdDSA");
  t.is(header.typ, "JWT");
  const claims = decodeJwt(session.accessToken);
  t.is(claims.iss, ACCESS_TOKEN_ISSUER);
  t.is(claims.aud, ACCESS_TOKEN_AUDIENCE);
  t.is(claims.sub, user.id);
  t.is(claims.role, "admin");
  t.regex(
    String(claims.jti),
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  t.is(claims.iat, clock.now() / 1000);
  t.is((claims.exp ?? 0) - (claims.iat ?? 0), 900);

  // Verified the way every other service does: locally, from the published JWKS.
  const jwks = await client.getJwks({});
  t.is(jwks.keys.length, 1);
  const [key] = jwks.keys;
  t.is(key?.kid, header.kid);
  t.like(key, { kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
  const keySet = createLocalJWKSet({ keys: jwks.keys.map((k) => ({ ...k })) });
  const { payload } = await jwtVerify(session.accessToken, keySet, {
    issuer: ACCESS_TOKEN_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
    currentDate: new Date(clock.now()),
  });
  t.is(payload.sub, user.id);
  t.false(
    jwks.keys.some((k) => "d" in k),
    "private key material is never published",
  );
});

test("a token signed before rotate() still verifies; the JWKS lists both kids until retention ends", async (t) => {
  const { client, auth, clock, config } = await startAuth(t);
  const { session } = await register(client, "lena");
  const oldKid = decodeProtectedHeader(session.accessToken).kid;

  const newKid = await auth.signingKeys.rotate();
  t.not(newKid, oldKid);
  const kids = (await client.getJwks({})).keys.map((k) => k.kid);
  t.deepEqual([...kids].sort(), [oldKid, newKid].sort());

  t.true((await client.introspectToken({ token: session.accessToken })).active);
  const again = await client.refresh({ refreshToken: session.refreshToken });
  t.is(
    decodeProtectedHeader(again.session?.accessToken ?? "").kid,
    newKid,
    "new tokens use the new key",
  );

  // Just before the retention ends the old key is still published...
  clock.advance(config.accessTokenTtlMs + CLOCK_SKEW_ALLOWANCE_MS - 1000);
  await auth.housekeeping();
  t.true((await auth.signingKeys.jwks()).some((k) => k.kid === oldKid));
  // ...and after it, pruned.
  clock.advance(2000);
  await auth.housekeeping();
  const after = (await client.getJwks({})).keys.map((k) => k.kid);
  t.deepEqual(after, [newKid]);
});

test("tokens of a pruned key no longer introspect as active even if they were not expired", async (t) => {
  // Retention shorter than the token lifetime cannot happen in production; forcing it here
  // shows verification really depends on the key being published.
  const clock = new FakeClock();
  const store = openSqliteAuthStore(":memory:");
  t.teardown(() => store.close());
  const keys = new SigningKeyRing({
    store: store.signingKeys,
    clock,
    rotationIntervalMs: 7 * DAY,
    accessTokenTtlMs: 15 * MINUTE,
  });
  const tokens = new AccessTokens({ keys, denied: store.deniedTokens, clock, ttlMs: 60 * MINUTE });
  const issued = await tokens.issue({ id: "5b4c3d2e-1f00-4a00-8b00-000000000001", role: "member" });
  await keys.rotate();
  t.truthy(await tokens.verify(issued.token));
  clock.advance(15 * MINUTE + CLOCK_SKEW_ALLOWANCE_MS + 1);
  await keys.prune();
  t.is(await tokens.verify(issued.token), undefined);
});

test("the signing key rotates by itself once it is older than the rotation interval", async (t) => {
  const { client, auth, clock, config } = await startAuth(t, {
    config: testConfig({ keyRotationIntervalMs: 2 * DAY }),
  });
  const { session } = await register(client, "mona");
  const firstKid = decodeProtectedHeader(session.accessToken).kid;

  clock.advance(DAY);
  const sameKey = await client.refresh({ refreshToken: session.refreshToken });
  t.is(decodeProtectedHeader(sameKey.session?.accessToken ?? "").kid, firstKid);

  clock.advance(DAY);
  const rotated = await client.refresh({ refreshToken: sameKey.session?.refreshToken ?? "" });
  const secondKid = decodeProtectedHeader(rotated.session?.accessToken ?? "").kid;
  t.not(secondKid, firstKid, "a key older than the interval is replaced before signing");
  t.is((await auth.signingKeys.jwks()).length, 2);

  clock.advance(config.accessTokenTtlMs + CLOCK_SKEW_ALLOWANCE_MS + 1);
  await auth.housekeeping();
  t.deepEqual(
    (await auth.signingKeys.jwks()).map((k) => k.kid),
    [secondKid],
  );
});

test("housekeeping rotates a due key even without traffic", async (t) => {
  const { auth, clock } = await startAuth(t, {
    config: testConfig({ keyRotationIntervalMs: DAY }),
  });
  const [before] = await auth.signingKeys.jwks();
  clock.advance(DAY);
  await auth.housekeeping();
  const kids = (await auth.signingKeys.jwks()).map((k) => k.kid);
  t.is(kids.length, 2);
  t.true(kids.includes(before?.kid ?? ""));
});

test("concurrent signers during a due rotation share one new key", async (t) => {
  const clock = new FakeClock();
  const store = openSqliteAuthStore(":memory:");
  t.teardown(() => store.close());
  const keys = new SigningKeyRing({
    store: store.signingKeys,
    clock,
    rotationIntervalMs: DAY,
    accessTokenTtlMs: 15 * MINUTE,
  });
  await keys.ensureCurrent();
  clock.advance(DAY);
  const signers = await Promise.all([keys.signingKey(), keys.signingKey(), keys.signingKey()]);
  t.is(new Set(signers.map((s) => s.kid)).size, 1);
  t.is((await store.signingKeys.list()).length, 2, "one old key, one new key");
});

test("IntrospectToken reports inactive for tampered, foreign, expired and garbage tokens", async (t) => {
  const { client, clock, config } = await startAuth(t);
  const { session } = await register(client, "nora");
  const [h, p, s] = session.accessToken.split(".");
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...decodeJwt(session.accessToken), role: "admin", sub: "someone-else" }),
  ).toString("base64url");
  const cases = {
    tampered: `${h}.${forgedPayload}.${s}`,
    garbage: "definitely.not.a-token",
    unsigned: `${h}.${p}.`,
  };
  for (const [name, token] of Object.entries(cases)) {
    const res = await client.introspectToken({ token });
    t.false(res.active, name);
  }

  // A token from another auth instance (another key) is not accepted.
  const other = await startAuth(t);
  const foreign = await register(other.client, "outsider");
  t.false((await client.introspectToken({ token: foreign.session.accessToken })).active);

  const good = await client.introspectToken({ token: session.accessToken });
  t.true(good.active);
  t.is(good.userId, session.user?.id ?? "missing");
  clock.advance(config.accessTokenTtlMs);
  t.false((await client.introspectToken({ token: session.accessToken })).active, "expired");
});

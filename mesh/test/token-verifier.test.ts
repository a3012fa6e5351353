import test from "ava";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  createTokenVerifier,
  InvalidTokenError,
} from "../src/index.js";

async function keyAndSigner(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA" };
  const sign = (claims: Record<string, unknown>, expSeconds: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", kid })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject("user-1")
      .setJti(`jti-${Math.random()}`)
      .setIssuedAt(expSeconds - 900)
      .setExpirationTime(expSeconds)
      .sign(privateKey);
  return { jwk, sign };
}

test("keys are fetched once, and again only for an unknown kid", async (t) => {
  const a = await keyAndSigner("a");
  const b = await keyAndSigner("b");
  let published = [a.jwk];
  let fetches = 0;
  let clock = 1_000_000_000_000;
  const verifier = createTokenVerifier({
    jwks: async () => {
      fetches++;
      return published;
    },
    minRefreshIntervalMs: 0,
    now: () => clock,
  });
  const exp = clock / 1000 + 900;
  t.is((await verifier.verify(await a.sign({ role: "member" }, exp))).id, "user-1");
  t.is((await verifier.verify(await a.sign({ role: "admin" }, exp))).role, "admin");
  t.is(fetches, 1);
  published = [a.jwk, b.jwk];
  t.is((await verifier.verify(await b.sign({ role: "member" }, exp))).id, "user-1");
  t.is(fetches, 2);
  clock += 2_000_000;
  await t.throwsAsync(verifier.verify(await a.sign({ role: "member" }, exp)), {
    instanceOf: InvalidTokenError,
  });
});

test("a remembered token is still checked against the denylist and dropped at expiry", async (t) => {
  const a = await keyAndSigner("a");
  let clock = 1_000_000_000_000;
  const denied = new Set<string>();
  const verifier = createTokenVerifier({
    jwks: async () => [a.jwk],
    isDenied: async (jti) => denied.has(jti),
    now: () => clock,
    clockToleranceSec: 0,
  });
  const token = await a.sign({ role: "member" }, clock / 1000 + 60);
  const user = await verifier.verify(token);
  t.is((await verifier.verify(token)).tokenId, user.tokenId);
  denied.add(user.tokenId);
  await t.throwsAsync(verifier.verify(token), { message: /logged out/ });
  denied.clear();
  clock += 61_000;
  await t.throwsAsync(verifier.verify(token), { instanceOf: InvalidTokenError });
});

test("tokens without the role claim, or signed by an unknown key, are refused", async (t) => {
  const a = await keyAndSigner("a");
  const stranger = await keyAndSigner("a");
  const verifier = createTokenVerifier({ jwks: async () => [a.jwk] });
  const exp = Math.floor(Date.now() / 1000) + 600;
  await t.throwsAsync(verifier.verify(await a.sign({}, exp)), { instanceOf: InvalidTokenError });
  await t.throwsAsync(verifier.verify(await stranger.sign({ role: "member" }, exp)), {
    instanceOf: InvalidTokenError,
  });
  await t.throwsAsync(verifier.verify("not.a.jwt"), { instanceOf: InvalidTokenError });
});

// Found by test/auth-fuzz.test.ts: a `kid` object whose toString is not a function made the
// verifier throw a TypeError, which every RPC, public ones too, answered with `internal`.
test("a token whose kid is not a string is invalid, not a crash", async (t) => {
  const a = await keyAndSigner("a");
  const verifier = createTokenVerifier({ jwks: async () => [a.jwk], minRefreshIntervalMs: 0 });
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  for (const kid of [{ toString: 1 }, { toString: null, valueOf: null }, { a: 1 }, ["a"], 1, ""]) {
    const token = `${b64({ alg: "EdDSA", kid })}.${b64({ sub: "user-1" })}.${"A".repeat(86)}`;
    await t.throwsAsync(
      verifier.verify(token),
      { instanceOf: InvalidTokenError },
      JSON.stringify(kid),
    );
  }
});

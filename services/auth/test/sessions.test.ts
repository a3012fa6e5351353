import { Code } from "@connectrpc/connect";
import { Role } from "@parley/gen/parley/auth/v1/user_pb.js";
import test from "ava";
import { as, register, rejection, startAuth } from "./helpers/harness.js";

test("refresh rotates: the new token works, the old one is rejected after use", async (t) => {
  const { client } = await startAuth(t);
  const { session, user } = await register(client, "rita");

  const first = await client.refresh({ refreshToken: session.refreshToken });
  t.is(first.session?.user?.id, user.id);
  t.not(first.session?.refreshToken, session.refreshToken);
  t.not(first.session?.accessToken, session.accessToken);
  const me = await client.getMe({}, as(first.session?.accessToken));
  t.is(me.user?.id, user.id, "the refreshed access token is valid");

  const replay = await rejection(() => client.refresh({ refreshToken: session.refreshToken }));
  t.is(replay.code, Code.Unauthenticated);
});

test("reusing a rotated token revokes the family: even the newest token stops working", async (t) => {
  const { client, logger } = await startAuth(t);
  const { session } = await register(client, "sam");
  const second = await client.refresh({ refreshToken: session.refreshToken });
  const third = await client.refresh({ refreshToken: second.session?.refreshToken ?? "" });

  // An attacker replays the stolen first token.
  const stolen = await rejection(() => client.refresh({ refreshToken: session.refreshToken }));
  t.is(stolen.code, Code.Unauthenticated);

  const legit = await rejection(() =>
    client.refresh({ refreshToken: third.session?.refreshToken ?? "" }),
  );
  t.is(legit.code, Code.Unauthenticated, "the whole family is revoked");
  t.true(logger.lines.some((l) => l.level === "warn" && /reused/.test(l.message)));
});

test("reuse revokes only that family: other sign-ins of the same account keep working", async (t) => {
  const { client } = await startAuth(t);
  const { session, password } = await register(client, "tess");
  const otherDevice = await client.login({ login: "tess", password });
  await client.refresh({ refreshToken: session.refreshToken });
  await rejection(() => client.refresh({ refreshToken: session.refreshToken }));

  const still = await client.refresh({ refreshToken: otherDevice.session?.refreshToken ?? "" });
  t.truthy(still.session?.accessToken);
});

test("two concurrent refreshes with the same token cannot both succeed", async (t) => {
  const { client } = await startAuth(t);
  const { session } = await register(client, "uma");
  const results = await Promise.allSettled([
    client.refresh({ refreshToken: session.refreshToken }),
    client.refresh({ refreshToken: session.refreshToken }),
    client.refresh({ refreshToken: session.refreshToken }),
  ]);
  t.is(results.filter((r) => r.status === "fulfilled").length, 1);
});

test("unknown and expired refresh tokens are unauthenticated", async (t) => {
  const { client, clock, config } = await startAuth(t);
  const unknown = await rejection(() => client.refresh({ refreshToken: "no-such-token" }));
  t.is(unknown.code, Code.Unauthenticated);

  const { session } = await register(client, "vera");
  clock.advance(config.refreshTokenTtlMs);
  const expired = await rejection(() => client.refresh({ refreshToken: session.refreshToken }));
  t.is(expired.code, Code.Unauthenticated);
});

test("refresh picks up the account's current role", async (t) => {
  const { client } = await startAuth(t);
  const admin = await register(client, "walt");
  const member = await register(client, "xena");
  t.is(member.user.role, Role.MEMBER);
  await client.setUserRole(
    { userId: member.user.id, role: Role.ADMIN },
    as(admin.session.accessToken),
  );
  const refreshed = await client.refresh({ refreshToken: member.session.refreshToken });
  t.is(refreshed.session?.user?.role, Role.ADMIN);
  const info = await client.introspectToken({ token: refreshed.session?.accessToken ?? "" });
  t.is(info.role, Role.ADMIN, "the new access token carries the new role");
});

test("logout revokes the family and denies the access token it was called with", async (t) => {
  const { client, auth } = await startAuth(t);
  const { session } = await register(client, "yuri");
  const before = await client.introspectToken({ token: session.accessToken });
  t.true(before.active);

  await client.logout({ refreshToken: session.refreshToken }, as(session.accessToken));

  const after = await client.introspectToken({ token: session.accessToken });
  t.false(after.active, "the access token is denied until it expires");
  t.is(after.userId, "");
  t.is(after.tokenId, "");
  t.true(await auth.isTokenDenied(before.tokenId));
  const err = await rejection(() => client.refresh({ refreshToken: session.refreshToken }));
  t.is(err.code, Code.Unauthenticated, "the refresh token's family is revoked");
  const me = await rejection(() => client.getMe({}, as(session.accessToken)));
  t.is(me.code, Code.Unauthenticated);
});

test("logout revokes descendants of the presented token's family too", async (t) => {
  const { client } = await startAuth(t);
  const { session } = await register(client, "zack");
  const next = await client.refresh({ refreshToken: session.refreshToken });
  // Logging out with the current token ends the sign-in; no token of the family survives.
  await client.logout({ refreshToken: next.session?.refreshToken ?? "" });
  const err = await rejection(() =>
    client.refresh({ refreshToken: next.session?.refreshToken ?? "" }),
  );
  t.is(err.code, Code.Unauthenticated);
});

test("logout is idempotent and accepts unknown tokens", async (t) => {
  const { client } = await startAuth(t);
  const { session } = await register(client, "abby");
  await client.logout({ refreshToken: session.refreshToken });
  await client.logout({ refreshToken: session.refreshToken });
  await client.logout({ refreshToken: "never-issued" });
  const err = await rejection(() => client.refresh({ refreshToken: session.refreshToken }));
  t.is(err.code, Code.Unauthenticated);
});

test("a denied token is forgotten by housekeeping only after it expired", async (t) => {
  const { client, auth, clock, config } = await startAuth(t);
  const { session } = await register(client, "beth");
  const info = await client.introspectToken({ token: session.accessToken });
  await client.logout({ refreshToken: session.refreshToken }, as(session.accessToken));

  await auth.housekeeping();
  t.true(await auth.isTokenDenied(info.tokenId), "still denied while the token could be used");

  clock.advance(config.accessTokenTtlMs + 120_000);
  await auth.housekeeping();
  t.false(await auth.isTokenDenied(info.tokenId), "pruned once the token expired");
  t.false((await client.introspectToken({ token: session.accessToken })).active, "expired anyway");
});

/**
 * Auth end to end over a real HTTP/2 server (gRPC over h2c, as other services and stubs call it),
 * plus one pass through the single-process server over Connect's HTTP/1.1 JSON protocol (as the
 * browser calls it). Every test gets its own server and database, so tests run concurrently.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type { LoggingMailer } from "@parley/auth";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { Role } from "@parley/gen/parley/auth/v1/user_pb.js";
import { connectTo } from "@parley/mesh";
import test, { type ExecutionContext } from "ava";
import { loadStandaloneConfig } from "../server/src/config.js";
import { startStandalone } from "../server/src/standalone-server.js";
import {
  bearer,
  bearerInterceptor,
  cheapHasher,
  FakeClock,
  jwtHeader,
  rejection,
  resetTokenSentTo,
  violatedFields,
  violationCount,
} from "./support/auth-e2e.js";
import { startAuthServer, testLogger } from "./support/auth-server.js";
import { createTestPki } from "./support/pki.js";

const MINUTE = 60_000;

/**
 * A fresh auth server with a fake clock and cheap hashing, and a gRPC (h2c) client for it.
 * Address-based limits are off unless a test sets them: every call here comes from 127.0.0.1.
 */
async function start(t: ExecutionContext, env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const server = await startAuthServer({
    clock,
    passwordHasher: cheapHasher(),
    env: {
      PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "off",
      PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
      PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS: "off",
      ...env,
    },
  });
  t.teardown(async () => {
    await server.close();
    await rm(server.dataDir, { recursive: true, force: true });
  });
  const baseUrl = `http://127.0.0.1:${server.served.port}`;
  const client = createClient(AuthService, createGrpcTransport({ baseUrl }));
  const mailer = server.auth.mailer as LoggingMailer;
  return { server, client, clock, baseUrl, mailer };
}

type AuthClient = Awaited<ReturnType<typeof start>>["client"];

async function register(client: AuthClient, username: string, password = `${username} secret pw`) {
  const email = `${username}@example.com`;
  const { session } = await client.register({ username, email, password });
  if (!session?.user) throw new Error("register returned no session");
  return { session, user: session.user, username, email, password };
}

test("register, then GetMe with the access token as a bearer header", async (t) => {
  const { client, baseUrl } = await start(t);
  const { session, user } = await register(client, "Alice");
  t.is(user.username, "alice", "usernames are stored lower-case");
  t.is(user.displayName, "alice");
  t.truthy(session.refreshToken);

  // Per-call headers.
  const me = await client.getMe({}, bearer(session.accessToken));
  t.is(me.user?.id, user.id);
  t.is(me.user?.username, "alice");

  // A client interceptor that signs every call in.
  const signedIn = createClient(
    AuthService,
    createGrpcTransport({
      baseUrl,
      interceptors: [bearerInterceptor(() => session.accessToken)],
    }),
  );
  t.is((await signedIn.getMe({})).user?.id, user.id);

  t.is((await rejection(client.getMe({}))).code, Code.Unauthenticated, "no token");
  t.is(
    (await rejection(client.getMe({}, bearer(`${session.accessToken}x`)))).code,
    Code.Unauthenticated,
    "a tampered token",
  );
});

test("login works with the username and with the email, regardless of case", async (t) => {
  const { client } = await start(t);
  const { user, password, email } = await register(client, "bruno");

  const byName = await client.login({ login: "BRUNO", password });
  const byEmail = await client.login({ login: email.toUpperCase(), password });
  for (const { session } of [byName, byEmail]) {
    t.is(session?.user?.id, user.id);
    const me = await client.getMe({}, bearer(session?.accessToken ?? ""));
    t.is(me.user?.id, user.id);
  }
  t.not(byName.session?.refreshToken, byEmail.session?.refreshToken, "one family per sign-in");
});

test("refresh rotates the refresh token: the new session works, the old token is refused", async (t) => {
  const { client } = await start(t);
  const { session, user } = await register(client, "carla");

  const { session: next } = await client.refresh({ refreshToken: session.refreshToken });
  t.truthy(next?.refreshToken);
  t.not(next?.refreshToken, session.refreshToken);
  t.not(next?.accessToken, session.accessToken);
  t.is(next?.user?.id, user.id);
  t.is((await client.getMe({}, bearer(next?.accessToken ?? ""))).user?.id, user.id);

  const replay = await rejection(client.refresh({ refreshToken: session.refreshToken }));
  t.is(replay.code, Code.Unauthenticated);
  t.is(
    (await rejection(client.refresh({ refreshToken: "never-issued" }))).code,
    Code.Unauthenticated,
  );
});

test("presenting a rotated refresh token revokes its whole family, and only that family", async (t) => {
  const { client } = await start(t);
  const { session, password } = await register(client, "dmitri");
  const other = await client.login({ login: "dmitri", password });

  const second = (await client.refresh({ refreshToken: session.refreshToken })).session;
  const third = (await client.refresh({ refreshToken: second?.refreshToken ?? "" })).session;
  t.truthy(third?.refreshToken);

  // A thief replays the first token: the family is revoked, so the newest token dies too.
  t.is(
    (await rejection(client.refresh({ refreshToken: session.refreshToken }))).code,
    Code.Unauthenticated,
  );
  t.is(
    (await rejection(client.refresh({ refreshToken: third?.refreshToken ?? "" }))).code,
    Code.Unauthenticated,
  );

  // The other sign-in (another family) is untouched.
  const still = await client.refresh({ refreshToken: other.session?.refreshToken ?? "" });
  t.truthy(still.session?.accessToken);
});

test("logout revokes the refresh family and denies the access token at once", async (t) => {
  const { client } = await start(t);
  const { session, password } = await register(client, "elena");
  const { session: rotated } = await client.refresh({ refreshToken: session.refreshToken });
  const access = rotated?.accessToken ?? "";
  const refresh = rotated?.refreshToken ?? "";
  const other = await client.login({ login: "elena", password });
  t.truthy((await client.getMe({}, bearer(access))).user);

  await client.logout({ refreshToken: refresh }, bearer(access));

  const me = await rejection(client.getMe({}, bearer(access)));
  t.is(me.code, Code.Unauthenticated, "the access token is denied before it expires");
  t.is((await rejection(client.refresh({ refreshToken: refresh }))).code, Code.Unauthenticated);
  // Logging out again (e.g. a retry) still succeeds, even with the now-denied token.
  await t.notThrowsAsync(client.logout({ refreshToken: refresh }, bearer(access)));
  // Another sign-in of the same account is a different session and keeps working.
  t.truthy((await client.getMe({}, bearer(other.session?.accessToken ?? ""))).user);
});

test("key rotation: earlier tokens keep working, the JWKS lists both keys, new tokens use the new kid", async (t) => {
  const { server, client, baseUrl } = await start(t);
  const { session, password, user } = await register(client, "farid");
  const oldKid = jwtHeader(session.accessToken).kid;
  t.truthy(oldKid);
  t.is(jwtHeader(session.accessToken).alg, "EdDSA");
  // The server's token verifier now caches the old key.
  t.is((await client.getMe({}, bearer(session.accessToken))).user?.id, user.id);

  const newKid = await server.auth.signingKeys.rotate();
  t.not(newKid, oldKid);

  t.is((await client.getMe({}, bearer(session.accessToken))).user?.id, user.id);

  const rpcKids = (await client.getJwks({})).keys.map((k) => k.kid).sort();
  t.deepEqual(rpcKids, [oldKid, newKid].sort());

  const res = await fetch(`${baseUrl}/.well-known/jwks.json`);
  t.is(res.status, 200);
  t.regex(res.headers.get("content-type") ?? "", /^application\/jwk-set\+json/);
  const jwks = (await res.json()) as { keys: { kid: string; kty: string; alg: string }[] };
  t.deepEqual(jwks.keys.map((k) => k.kid).sort(), rpcKids);
  t.true(jwks.keys.every((k) => k.kty === "OKP" && k.alg === "EdDSA"));

  // Tokens issued after the rotation carry the new kid, and the server's verifier accepts them
  // (it has to fetch the new key: the kid is not in its cache yet).
  const fresh = (await client.login({ login: "farid", password })).session?.accessToken ?? "";
  t.is(jwtHeader(fresh).kid, newKid);
  t.is((await client.getMe({}, bearer(fresh))).user?.id, user.id);
  const refreshed = (await client.refresh({ refreshToken: session.refreshToken })).session;
  t.is(jwtHeader(refreshed?.accessToken ?? "").kid, newKid);
});

test("sign-in attempts are limited per account: the 4th bad login gets resource_exhausted with retry-after", async (t) => {
  const { client, clock } = await start(t, { PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "3/15m" });
  const { password } = await register(client, "gwen");
  await register(client, "hamid");

  for (let i = 0; i < 3; i++) {
    const err = await rejection(client.login({ login: "gwen", password: "wrong password" }));
    t.is(err.code, Code.Unauthenticated);
  }
  const limited = await rejection(client.login({ login: "gwen", password: "wrong password" }));
  t.is(limited.code, Code.ResourceExhausted);
  t.is(limited.metadata.get("retry-after"), String(15 * 60));
  t.regex(limited.rawMessage, /too many sign-in attempts/);
  const right = await rejection(client.login({ login: "GWEN", password }));
  t.is(right.code, Code.ResourceExhausted, "even the right password waits out the limit");

  // Another account is not affected.
  t.truthy((await client.login({ login: "hamid", password: "hamid secret pw" })).session);

  clock.advance(15 * MINUTE);
  t.truthy((await client.login({ login: "gwen", password })).session, "the window has passed");
});

test("sign-in attempts are limited per client address, across accounts", async (t) => {
  const { client, clock } = await start(t, {
    PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
    PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "3/15m",
  });
  for (const login of ["nobody1", "nobody2", "nobody3"]) {
    const err = await rejection(client.login({ login, password: "wrong password" }));
    t.is(err.code, Code.Unauthenticated);
  }
  clock.advance(MINUTE);
  const limited = await rejection(client.login({ login: "nobody4", password: "wrong password" }));
  t.is(limited.code, Code.ResourceExhausted);
  t.is(limited.metadata.get("retry-after"), String(14 * 60));

  // Only the edge proxy may name the client address: a direct caller cannot dodge the limit by
  // claiming another one.
  const spoofed = await rejection(
    client.login(
      { login: "nobody5", password: "wrong password" },
      { headers: { "x-forwarded-for": "198.51.100.9" } },
    ),
  );
  t.is(spoofed.code, Code.ResourceExhausted);
});

test("behind the edge proxy, sign-in attempts are limited per forwarded client address", async (t) => {
  const pki = await createTestPki();
  const clock = new FakeClock();
  const server = await startAuthServer({
    tls: await pki.credentials("auth"),
    clock,
    passwordHasher: cheapHasher(),
    env: {
      PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
      PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "3/15m",
    },
  });
  t.teardown(async () => {
    await server.close();
    await rm(server.dataDir, { recursive: true, force: true });
    await rm(pki.dir, { recursive: true, force: true });
  });
  const edge = createClient(
    AuthService,
    connectTo({
      baseUrl: server.url,
      tls: await pki.credentials("edge"),
      retry: { maxAttempts: 1 },
    }),
  );
  const from = (address: string) => ({ headers: { "x-forwarded-for": `${address}, 10.0.0.1` } });
  const attempt = async (login: string, address: string) =>
    (await rejection(edge.login({ login, password: "wrong password" }, from(address)))).code;

  for (const login of ["nobody1", "nobody2", "nobody3"]) {
    t.is(await attempt(login, "203.0.113.7"), Code.Unauthenticated);
  }
  t.is(await attempt("nobody4", "203.0.113.7"), Code.ResourceExhausted);
  // Another person behind the same proxy has their own budget.
  t.is(await attempt("nobody4", "198.51.100.9"), Code.Unauthenticated);
});

test("password reset: the mailed token works once, swaps the password and ends every session", async (t) => {
  const { client, mailer } = await start(t);
  const { session, email, password } = await register(client, "ines");
  const login = (await client.login({ login: "ines", password })).session;

  await client.requestPasswordReset({ email: email.toUpperCase() });
  const token = resetTokenSentTo(mailer, email);
  if (!token) return t.fail("no reset mail was sent");
  // An unknown address answers the same and sends nothing.
  const before = mailer.sent().length;
  await client.requestPasswordReset({ email: "nobody@example.com" });
  t.is(mailer.sent().length, before);

  const newPassword = "a brand new passphrase";
  await client.resetPassword({ token, newPassword });
  const again = await rejection(client.resetPassword({ token, newPassword: "yet another one" }));
  t.is(again.code, Code.InvalidArgument);

  t.is(
    (await rejection(client.login({ login: "ines", password }))).code,
    Code.Unauthenticated,
    "the old password no longer works",
  );
  t.truthy((await client.login({ login: "ines", password: newPassword })).session);
  for (const old of [session.refreshToken, login?.refreshToken ?? ""]) {
    t.is(
      (await rejection(client.refresh({ refreshToken: old }))).code,
      Code.Unauthenticated,
      "refresh tokens from before the reset are revoked",
    );
  }
});

test("an unknown account and a wrong password get the same answer", async (t) => {
  const { client } = await start(t);
  await register(client, "jonas");
  const wrongPassword = await rejection(
    client.login({ login: "jonas", password: "not it at all" }),
  );
  const unknownName = await rejection(client.login({ login: "jonah", password: "not it at all" }));
  const unknownEmail = await rejection(
    client.login({ login: "jonah@example.com", password: "not it at all" }),
  );
  t.is(wrongPassword.code, Code.Unauthenticated);
  for (const err of [unknownName, unknownEmail]) {
    t.is(err.code, wrongPassword.code);
    t.is(err.rawMessage, wrongPassword.rawMessage);
    t.deepEqual(err.details, wrongPassword.details);
  }
});

test("admin RPCs: the first account is admin; others get permission_denied, anonymous callers unauthenticated", async (t) => {
  const { client, clock } = await start(t);
  const admin = await register(client, "kira");
  clock.advance(1000); // listing is oldest first
  const member = await register(client, "lars");
  t.is(admin.user.role, Role.ADMIN);
  t.is(member.user.role, Role.MEMBER);

  const listed = await client.listUsers({}, bearer(admin.session.accessToken));
  t.deepEqual(
    listed.users.map((u) => u.username),
    ["kira", "lars"],
  );

  const denied = await rejection(client.listUsers({}, bearer(member.session.accessToken)));
  t.is(denied.code, Code.PermissionDenied);
  t.is((await rejection(client.listUsers({}))).code, Code.Unauthenticated);
  t.is(
    (
      await rejection(
        client.setUserRole(
          { userId: member.user.id, role: Role.ADMIN },
          bearer(member.session.accessToken),
        ),
      )
    ).code,
    Code.PermissionDenied,
    "a member cannot promote themself",
  );

  // Once promoted, a new sign-in carries the admin role.
  await client.setUserRole(
    { userId: member.user.id, role: Role.ADMIN },
    bearer(admin.session.accessToken),
  );
  const promoted = await client.login({ login: "lars", password: member.password });
  const asAdmin = await client.listUsers({}, bearer(promoted.session?.accessToken ?? ""));
  t.is(asAdmin.users.length, 2);
});

test("protovalidate over the wire: bad input gets invalid_argument with a violation per field", async (t) => {
  const { client } = await start(t);
  const err = await rejection(
    client.register({ username: "x!", email: "not-an-email", password: "short" }),
  );
  t.is(err.code, Code.InvalidArgument);
  t.deepEqual(violatedFields(err), ["email", "password", "username"]);
  // "x!" is both too short and off-pattern: every broken rule is listed, not just the first.
  t.is(violationCount(err), 4);
  t.regex(err.rawMessage, /username/);

  const login = await rejection(client.login({ login: "", password: "" }));
  t.is(login.code, Code.InvalidArgument);
  t.deepEqual(violatedFields(login), ["login", "password"]);
});

test("a request that breaks the rules never reaches the handler", async (t) => {
  // One registration per address: had the bad request reached the handler, it would have used
  // up the budget (the handler's first step) and, with a valid username, taken the name.
  const { client } = await start(t, { PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "1/1h" });
  const bad = await rejection(
    client.register({ username: "maya", email: "maya@", password: "long enough password" }),
  );
  t.is(bad.code, Code.InvalidArgument);
  t.deepEqual(violatedFields(bad), ["email"]);

  const ok = await client.register({
    username: "maya",
    email: "maya@example.com",
    password: "long enough password",
  });
  t.is(ok.session?.user?.username, "maya");

  // The limit is real: a second valid registration from this address is refused.
  const limited = await rejection(
    client.register({ username: "nils", email: "nils@example.com", password: "long enough pw" }),
  );
  t.is(limited.code, Code.ResourceExhausted);
});

test("the single-process server speaks Connect JSON over HTTP/1.1 to browsers", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-standalone-"));
  const config = loadStandaloneConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    PARLEY_DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
  });
  const standalone = await startStandalone(config, testLogger("parley"));
  t.teardown(async () => {
    await standalone.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  t.is(config.auth.dataDir, join(dataDir, "auth"));

  // Records what the server answered with, to prove which protocol and codec were used.
  const seen: { contentType: string | null; connection: string | null }[] = [];
  const record: Interceptor = (next) => async (req) => {
    const res = await next(req);
    seen.push({
      contentType: res.header.get("content-type"),
      connection: res.header.get("connection"),
    });
    return res;
  };
  const baseUrl = `http://127.0.0.1:${standalone.served.port}`;
  const client = createClient(
    AuthService,
    createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      useBinaryFormat: false,
      interceptors: [record],
    }),
  );

  const password = "standalone passphrase";
  const { session } = await client.register({
    username: "olive",
    email: "olive@example.com",
    password,
  });
  t.truthy(session?.accessToken);
  const me = await client.getMe({}, bearer(session?.accessToken ?? ""));
  t.is(me.user?.username, "olive");
  t.is(me.user?.role, Role.ADMIN, "the first account of a fresh install is admin");

  const byEmail = await client.login({ login: "olive@example.com", password });
  t.is(byEmail.session?.user?.id, me.user?.id);
  const wrong = await rejection(client.login({ login: "olive", password: "wrong password" }));
  t.is(wrong.code, Code.Unauthenticated);
  const invalid = await rejection(client.register({ username: "", email: "", password: "" }));
  t.is(invalid.code, Code.InvalidArgument);
  t.deepEqual(violatedFields(invalid), ["email", "password", "username"]);

  const jwks = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as {
    keys: { kid: string }[];
  };
  t.deepEqual(
    jwks.keys.map((k) => k.kid),
    (await client.getJwks({})).keys.map((k) => k.kid),
  );
  t.is(jwtHeader(session?.accessToken ?? "").kid, jwks.keys[0]?.kid);

  t.true(seen.length >= 4);
  for (const { contentType, connection } of seen) {
    t.is(contentType, "application/json", "Connect's JSON codec, not gRPC");
    // Connection-specific headers only exist in HTTP/1.1 (HTTP/2 forbids them).
    t.regex(connection ?? "", /^(keep-alive|close)$/);
  }
});

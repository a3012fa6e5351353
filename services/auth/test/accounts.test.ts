import { Code } from "@connectrpc/connect";
import { Role } from "@parley/gen/parley/auth/v1/user_pb.js";
import test from "ava";
import { as, register, rejection, startAuth, testConfig } from "./helpers/harness.js";

test("register, then login, then GetMe returns the same account", async (t) => {
  const { client } = await startAuth(t);
  const reg = await client.register({
    username: "Alice",
    email: "Alice@Example.com",
    password: "correct horse battery",
    displayName: "Alice Liddell",
  });
  t.is(reg.session?.user?.username, "alice", "usernames are stored lower-case");
  t.is(reg.session?.user?.displayName, "Alice Liddell");
  t.truthy(reg.session?.accessToken);
  t.truthy(reg.session?.refreshToken);

  const login = await client.login({ login: "ALICE", password: "correct horse battery" });
  const me = await client.getMe({}, as(login.session?.accessToken));
  t.is(me.user?.id, reg.session?.user?.id);
  t.is(me.user?.username, "alice");
  t.is(me.user?.role, Role.ADMIN);
  t.truthy(me.user?.createdAt);
});

test("login works with the email address, regardless of case", async (t) => {
  const { client } = await startAuth(t);
  const { user, password } = await register(client, "bob", { email: "Bob.Builder@Example.com" });
  const res = await client.login({ login: "bob.builder@EXAMPLE.com", password });
  t.is(res.session?.user?.id, user.id);
});

test("the display name defaults to the username", async (t) => {
  const { client } = await startAuth(t);
  const { user } = await register(client, "carol");
  t.is(user.displayName, "carol");
});

test("the first account becomes admin, the second a member", async (t) => {
  const { client } = await startAuth(t);
  const first = await register(client, "first");
  const second = await register(client, "second");
  t.is(first.user.role, Role.ADMIN);
  t.is(second.user.role, Role.MEMBER);
});

test("with an initial admin configured, only that username becomes admin", async (t) => {
  const { client } = await startAuth(t, {
    config: testConfig({}, { PARLEY_AUTH_INITIAL_ADMIN: "Boss" }),
  });
  const early = await register(client, "early-bird");
  const boss = await register(client, "boss");
  const later = await register(client, "later");
  t.is(early.user.role, Role.MEMBER, "being first is not enough when an admin is named");
  t.is(boss.user.role, Role.ADMIN);
  t.is(later.user.role, Role.MEMBER);
});

test("a username taken in another case is already_exists", async (t) => {
  const { client } = await startAuth(t);
  await register(client, "dave");
  const err = await rejection(() =>
    client.register({ username: "DaVe", email: "other@example.com", password: "long enough pw" }),
  );
  t.is(err.code, Code.AlreadyExists);
  t.regex(err.rawMessage, /username is taken/);
});

test("an email taken in another case is already_exists", async (t) => {
  const { client } = await startAuth(t);
  await register(client, "erin", { email: "erin@example.com" });
  const err = await rejection(() =>
    client.register({ username: "erin2", email: "ERIN@example.COM", password: "long enough pw" }),
  );
  t.is(err.code, Code.AlreadyExists);
  t.regex(err.rawMessage, /email/);
});

test("wrong password and unknown account fail with the same code and message", async (t) => {
  const { client } = await startAuth(t);
  await register(client, "frank", { password: "the real password" });
  const wrong = await rejection(() => client.login({ login: "frank", password: "not it at all" }));
  const unknown = await rejection(() =>
    client.login({ login: "nobody-here", password: "not it at all" }),
  );
  t.is(wrong.code, Code.Unauthenticated);
  t.is(unknown.code, wrong.code);
  t.is(unknown.rawMessage, wrong.rawMessage);
  t.is(wrong.rawMessage, "wrong username/email or password");
});

test("GetMe and UpdateProfile without a signed-in user are unauthenticated", async (t) => {
  const { client } = await startAuth(t);
  t.is((await rejection(() => client.getMe({}))).code, Code.Unauthenticated);
  t.is(
    (await rejection(() => client.updateProfile({ displayName: "x" }))).code,
    Code.Unauthenticated,
  );
  t.is(
    (await rejection(() => client.getMe({}, as("not-a-jwt")))).code,
    Code.Unauthenticated,
    "a garbage token is no identity",
  );
});

test("UpdateProfile changes only the fields present and an empty avatar removes it", async (t) => {
  const { client } = await startAuth(t);
  const { session } = await register(client, "gina");
  const auth = as(session.accessToken);

  const withAvatar = await client.updateProfile({ avatarFileId: "file-123" }, auth);
  t.is(withAvatar.user?.avatarFileId, "file-123");
  t.is(withAvatar.user?.displayName, "gina", "display name untouched when absent");

  const renamed = await client.updateProfile({ displayName: "  Gina G  " }, auth);
  t.is(renamed.user?.displayName, "Gina G");
  t.is(renamed.user?.avatarFileId, "file-123", "avatar untouched when absent");

  const cleared = await client.updateProfile({ avatarFileId: "" }, auth);
  t.is(cleared.user?.avatarFileId, "");
  t.is((await client.getMe({}, auth)).user?.displayName, "Gina G");
});

test("LookupUsers resolves ids and usernames, skips unknown ones, answers each account once", async (t) => {
  const { client } = await startAuth(t);
  const a = await register(client, "hank");
  const b = await register(client, "ivy");
  const res = await client.lookupUsers(
    {
      ids: [b.user.id, "00000000-0000-4000-8000-000000000000"],
      usernames: ["HANK", "ivy", "ghost"],
    },
    as(a.session.accessToken),
  );
  t.deepEqual(
    res.users.map((u) => u.username),
    ["ivy", "hank"],
  );
});

test("sessions carry expiry times matching the configured lifetimes", async (t) => {
  const { client, clock, config } = await startAuth(t);
  const { session } = await register(client, "jack");
  const accessExp = Number(session.accessTokenExpiresAt?.seconds) * 1000;
  const refreshExp = Number(session.refreshTokenExpiresAt?.seconds) * 1000;
  t.is(accessExp, clock.now() + config.accessTokenTtlMs);
  t.is(refreshExp, clock.now() + config.refreshTokenTtlMs);
  t.is(config.accessTokenTtlMs, 900_000);
});

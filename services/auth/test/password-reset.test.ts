import { Code } from "@connectrpc/connect";
import test from "ava";
import type { Mailer, OutgoingMail } from "../src/ports.js";
import type { Harness } from "./helpers/harness.js";
import { as, register, rejection, startAuth, testConfig } from "./helpers/harness.js";

/** The token in the newest reset mail to `to`, read from its link. */
function tokenFromMail(h: Harness, to: string): string {
  const mail = h.mailer.sent().findLast((m) => m.to === to);
  if (!mail) throw new Error(`no mail to ${to}`);
  const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
  if (!link) throw new Error("mail has no link");
  const url = new URL(link);
  const token = url.searchParams.get("token");
  if (!token) throw new Error("link has no token");
  return token;
}

test("happy path: the mailed link resets the password; old password stops working", async (t) => {
  const h = await startAuth(t, {
    config: testConfig({}, { PARLEY_PUBLIC_URL: "https://chat.example.org/" }),
  });
  const { client, mailer } = h;
  await register(client, "uma", { email: "Uma@Example.com", password: "old password 1" });

  await client.requestPasswordReset({ email: "uma@example.com" });
  const [mail] = mailer.sent();
  t.is(mail?.to, "Uma@Example.com", "sent to the address as registered");
  t.regex(
    mail?.text ?? "",
    /^https:\/\/chat\.example\.org\/reset-password\?token=[A-Za-z0-9_-]{43}$/m,
  );
  t.regex(mail?.text ?? "", /30 minutes/);

  await client.resetPassword({
    token: tokenFromMail(h, "Uma@Example.com"),
    newPassword: "new password 2",
  });

  const old = await rejection(() => client.login({ login: "uma", password: "old password 1" }));
  t.is(old.code, Code.Unauthenticated);
  const fresh = await client.login({ login: "uma", password: "new password 2" });
  t.truthy(fresh.session?.accessToken);
});

test("the reset token is never logged, and neither is the mail body", async (t) => {
  const h = await startAuth(t);
  await register(h.client, "vic", { email: "vic@example.com" });
  await h.client.requestPasswordReset({ email: "vic@example.com" });
  const token = tokenFromMail(h, "vic@example.com");
  t.true(
    h.logger.lines.some((l) => /mail not delivered/.test(l.message)),
    "the send is logged",
  );
  t.false(h.logger.text().includes(token));
  t.false(h.logger.text().includes("reset-password"));
});

test("a reset token works once", async (t) => {
  const h = await startAuth(t);
  await register(h.client, "wanda", { email: "wanda@example.com" });
  await h.client.requestPasswordReset({ email: "wanda@example.com" });
  const token = tokenFromMail(h, "wanda@example.com");
  await h.client.resetPassword({ token, newPassword: "first new password" });
  const again = await rejection(() =>
    h.client.resetPassword({ token, newPassword: "second new password" }),
  );
  t.is(again.code, Code.InvalidArgument);
  t.is(again.rawMessage, "this reset link is invalid or has expired");
  const login = await h.client.login({ login: "wanda", password: "first new password" });
  t.truthy(login.session);
});

test("an expired reset token is rejected", async (t) => {
  const h = await startAuth(t);
  await register(h.client, "xia", { email: "xia@example.com", password: "original pass" });
  await h.client.requestPasswordReset({ email: "xia@example.com" });
  const token = tokenFromMail(h, "xia@example.com");
  h.clock.advance(h.config.resetTokenTtlMs);
  const err = await rejection(() => h.client.resetPassword({ token, newPassword: "too late now" }));
  t.is(err.code, Code.InvalidArgument);
  const login = await h.client.login({ login: "xia", password: "original pass" });
  t.truthy(login.session, "the password is unchanged");
});

test("unknown reset tokens are rejected", async (t) => {
  const h = await startAuth(t);
  const err = await rejection(() =>
    h.client.resetPassword({ token: "made-up-token", newPassword: "whatever pw" }),
  );
  t.is(err.code, Code.InvalidArgument);
});

test("a reset revokes every session and every other outstanding link of the account", async (t) => {
  const h = await startAuth(t);
  const { session, password } = await register(h.client, "yara", { email: "yara@example.com" });
  const laptop = await h.client.login({ login: "yara", password });
  await h.client.requestPasswordReset({ email: "yara@example.com" });
  const firstLink = tokenFromMail(h, "yara@example.com");
  await h.client.requestPasswordReset({ email: "yara@example.com" });
  const secondLink = tokenFromMail(h, "yara@example.com");
  t.not(firstLink, secondLink);

  await h.client.resetPassword({ token: secondLink, newPassword: "brand new secret" });

  for (const refreshToken of [session.refreshToken, laptop.session?.refreshToken ?? ""]) {
    const err = await rejection(() => h.client.refresh({ refreshToken }));
    t.is(err.code, Code.Unauthenticated);
  }
  const stale = await rejection(() =>
    h.client.resetPassword({ token: firstLink, newPassword: "sneaky other pw" }),
  );
  t.is(stale.code, Code.InvalidArgument, "older links die with the reset");
});

test("an unknown address gets the same empty answer and no mail", async (t) => {
  const h = await startAuth(t);
  await register(h.client, "zoe", { email: "zoe@example.com" });
  const known = await h.client.requestPasswordReset({ email: "zoe@example.com" });
  const unknown = await h.client.requestPasswordReset({ email: "nobody@example.com" });
  t.deepEqual(Object.keys(known), Object.keys(unknown));
  t.deepEqual(
    h.mailer.sent().map((m) => m.to),
    ["zoe@example.com"],
  );
});

test("a failing mail relay does not fail the request and is logged", async (t) => {
  const failing: Mailer = {
    send: (_mail: OutgoingMail) => Promise.reject(new Error("relay down")),
    close: async () => {},
  };
  const h = await startAuth(t, { extra: { mailer: failing } });
  await register(h.client, "amy", { email: "amy@example.com" });
  await h.client.requestPasswordReset({ email: "amy@example.com" });
  await new Promise((resolve) => setImmediate(resolve));
  t.true(
    h.logger.lines.some((l) => l.level === "error" && /mail could not be sent/.test(l.message)),
  );
});

test("a reset lifts a sign-in lockout on the account", async (t) => {
  const h = await startAuth(t, {
    config: testConfig({}, { PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "2/1h" }),
  });
  await register(h.client, "bea", { email: "bea@example.com" });
  for (let i = 0; i < 2; i++) {
    await rejection(() => h.client.login({ login: "bea", password: "attacker guess" }));
  }
  const locked = await rejection(() =>
    h.client.login({ login: "bea", password: "attacker guess" }),
  );
  t.is(locked.code, Code.ResourceExhausted);

  await h.client.requestPasswordReset({ email: "bea@example.com" });
  await h.client.resetPassword({
    token: tokenFromMail(h, "bea@example.com"),
    newPassword: "owner's new password",
  });
  const login = await h.client.login({ login: "bea", password: "owner's new password" });
  const me = await h.client.getMe({}, as(login.session?.accessToken));
  t.is(me.user?.username, "bea");
});

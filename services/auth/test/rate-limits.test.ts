import { Code } from "@connectrpc/connect";
import test from "ava";
import { from, register, rejection, startAuth, testConfig } from "./helpers/harness.js";

const MINUTE = 60_000;

function limits(env: Record<string, string>) {
  return testConfig({}, env);
}

test("sign-in attempts are limited per account, across client addresses", async (t) => {
  const { client, clock } = await startAuth(t, {
    config: limits({
      PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "3/15m",
      PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
    }),
  });
  const { password } = await register(client, "olga");

  for (const address of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) {
    const err = await rejection(() =>
      client.login({ login: "olga", password: "wrong guess" }, from(address)),
    );
    t.is(err.code, Code.Unauthenticated);
  }
  clock.advance(MINUTE);
  const limited = await rejection(() =>
    client.login({ login: "OLGA", password }, from("10.0.0.4")),
  );
  t.is(limited.code, Code.ResourceExhausted, "even the right password waits out the limit");
  t.is(limited.metadata.get("retry-after"), String(14 * 60));
  t.regex(limited.rawMessage, /sign-in attempts/);

  clock.advance(14 * MINUTE);
  const ok = await client.login({ login: "olga", password }, from("10.0.0.4"));
  t.truthy(ok.session?.accessToken);
});

test("unknown accounts are limited exactly like real ones", async (t) => {
  const { client } = await startAuth(t, {
    config: limits({ PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "2/15m" }),
  });
  await register(client, "pia");
  const codes = async (login: string) => {
    const out: Code[] = [];
    for (let i = 0; i < 3; i++) {
      out.push((await rejection(() => client.login({ login, password: "wrong guess" }))).code);
    }
    return out;
  };
  const expected = [Code.Unauthenticated, Code.Unauthenticated, Code.ResourceExhausted];
  t.deepEqual(await codes("pia"), expected);
  t.deepEqual(await codes("ghost"), expected);
});

test("a successful sign-in resets the per-account counter", async (t) => {
  const { client } = await startAuth(t, {
    config: limits({ PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "3/15m" }),
  });
  const { password } = await register(client, "quinn");
  await rejection(() => client.login({ login: "quinn", password: "wrong guess" }));
  await rejection(() => client.login({ login: "quinn", password: "wrong guess" }));
  await client.login({ login: "quinn", password });
  // Without the reset, the third failure below would already be over the limit of 3.
  for (let i = 0; i < 3; i++) {
    const err = await rejection(() => client.login({ login: "quinn", password: "wrong guess" }));
    t.is(err.code, Code.Unauthenticated);
  }
  const limited = await rejection(() => client.login({ login: "quinn", password }));
  t.is(limited.code, Code.ResourceExhausted);
});

test("sign-in attempts are limited per client address, across accounts", async (t) => {
  const { client, clock } = await startAuth(t, {
    config: limits({
      PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
      PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "4/10m",
    }),
  });
  const { password } = await register(client, "ruth");
  for (const name of ["a1", "a2", "a3", "a4"]) {
    await rejection(() =>
      client.login({ login: name, password: "wrong guess" }, from("192.0.2.7")),
    );
  }
  clock.advance(2 * MINUTE);
  const limited = await rejection(() =>
    client.login({ login: "ruth", password }, from("192.0.2.7")),
  );
  t.is(limited.code, Code.ResourceExhausted);
  t.is(limited.metadata.get("retry-after"), String(8 * 60));

  const elsewhere = await client.login({ login: "ruth", password }, from("192.0.2.8"));
  t.truthy(elsewhere.session, "other addresses are not affected");
});

test("registrations are limited per client address", async (t) => {
  const { client } = await startAuth(t, {
    config: limits({ PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "2/1h" }),
  });
  await register(client, "reg1", { address: "198.51.100.1" });
  await register(client, "reg2", { address: "198.51.100.1" });
  const err = await rejection(() => register(client, "reg3", { address: "198.51.100.1" }));
  t.is(err.code, Code.ResourceExhausted);
  t.is(err.metadata.get("retry-after"), "3600");
  const elsewhere = await register(client, "reg4", { address: "198.51.100.2" });
  t.is(elsewhere.user.username, "reg4", "other addresses are not affected");
});

test("password reset requests are limited per client address", async (t) => {
  const { client, mailer } = await startAuth(t, {
    config: limits({
      PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS: "2/1h",
      PARLEY_AUTH_RESET_LIMIT_PER_EMAIL: "off",
    }),
  });
  await register(client, "sara", { email: "sara@example.com" });
  await client.requestPasswordReset({ email: "sara@example.com" }, from("203.0.113.5"));
  await client.requestPasswordReset({ email: "nobody@example.com" }, from("203.0.113.5"));
  const err = await rejection(() =>
    client.requestPasswordReset({ email: "sara@example.com" }, from("203.0.113.5")),
  );
  t.is(err.code, Code.ResourceExhausted);
  t.truthy(err.metadata.get("retry-after"));
  t.is(mailer.sent().length, 1);
});

test("reset mails per inbox are capped silently: the call still succeeds", async (t) => {
  const { client, mailer } = await startAuth(t, {
    config: limits({
      PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS: "off",
      PARLEY_AUTH_RESET_LIMIT_PER_EMAIL: "2/1h",
    }),
  });
  await register(client, "tina", { email: "tina@example.com" });
  for (const address of ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]) {
    await client.requestPasswordReset({ email: "Tina@Example.com" }, from(address));
  }
  t.is(mailer.sent().length, 2);
});

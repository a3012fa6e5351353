import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { SessionSchema } from "@parley/gen/parley/auth/v1/token_pb.js";
import { UserSchema } from "@parley/gen/parley/auth/v1/user_pb.js";
import test from "ava";
import { backoffDelay } from "../src/lib/backoff.js";
import { initials, splitMentions } from "../src/lib/format.js";
import { parseStoredSession, tokenLifetimeMs, toStoredSession } from "../src/lib/stored-session.js";
import { UserDirectory } from "../src/lib/user-directory.js";
import { randomUuid } from "../src/lib/uuid.js";

function jwt(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "EdDSA" })}.${part(claims)}.signature`;
}

test("session expiry is moved onto the browser's clock, whatever the server's clock says", (t) => {
  const serverNow = 5_000_000_000_000; // the server's clock
  const session = create(SessionSchema, {
    accessToken: jwt({ iat: serverNow / 1000, exp: serverNow / 1000 + 900 }),
    accessTokenExpiresAt: timestampFromMs(serverNow + 900_000),
    refreshToken: "r",
    refreshTokenExpiresAt: timestampFromMs(serverNow + 86_400_000),
    user: { id: "u", username: "ada", displayName: "" },
  });
  const browserNow = 1_000_000; // a browser whose clock is decades behind
  const stored = toStoredSession(session, browserNow);
  t.is(stored.accessTokenExpiresAt, browserNow + 900_000);
  t.is(stored.refreshTokenExpiresAt, browserNow + 86_400_000);
  t.is(stored.user.displayName, "ada", "the username when no display name is set");
  t.is(tokenLifetimeMs("not a jwt"), undefined);
  t.deepEqual(parseStoredSession(JSON.stringify(stored)), stored);
  t.is(parseStoredSession("{}"), null);
  t.is(parseStoredSession("not json"), null);
});

test("user lookups asked for in the same tick go out as one LookupUsers call", async (t) => {
  const calls: string[][] = [];
  const directory = new UserDirectory(async (ids) => {
    calls.push(ids);
    return ids.filter((id) => id !== "ghost").map((id) => create(UserSchema, { id, username: id }));
  });
  const [a, b, again, ghost] = await Promise.all([
    directory.load("a"),
    directory.load("b"),
    directory.load("a"),
    directory.load("ghost"),
  ]);
  t.deepEqual(calls, [["a", "b", "ghost"]]);
  t.is(a?.username, "a");
  t.is(b?.username, "b");
  t.is(again?.username, "a");
  t.is(ghost, undefined);
  const many = await Promise.all(Array.from({ length: 150 }, (_, i) => directory.load(`u${i}`)));
  t.is(many.length, 150);
  t.deepEqual(
    calls.slice(1).map((c) => c.length),
    [100, 50],
    "at most 100 ids per call",
  );
});

test("mentions are found the way the server resolves them", (t) => {
  t.deepEqual(splitMentions("hi @ada and @bo.x."), [
    { text: "hi " },
    { text: "@ada", mention: "ada" },
    { text: " and " },
    { text: "@bo.x", mention: "bo.x" },
    { text: "." },
  ]);
  t.deepEqual(splitMentions("mail me@example.com"), [{ text: "mail me@example.com" }]);
  t.is(initials("Ada Lovelace"), "AL");
  t.is(initials("bob"), "B");
});

test("backoff grows exponentially up to a cap, with full jitter", (t) => {
  const policy = { baseMs: 500, maxMs: 30_000 };
  t.is(
    backoffDelay(0, policy, () => 0.999),
    499,
  );
  t.is(
    backoffDelay(3, policy, () => 0.5),
    2000,
  );
  t.is(
    backoffDelay(20, policy, () => 0.5),
    15_000,
  );
  t.is(
    backoffDelay(5, policy, () => 0),
    0,
  );
});

test("idempotency keys are random version 4 UUIDs", (t) => {
  const key = randomUuid();
  t.regex(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(randomUuid(), key);
  t.is(
    randomUuid((b) => b.fill(0)),
    "00000000-0000-4000-8000-000000000000",
  );
});

import { Code, ConnectError } from "@connectrpc/connect";
import test from "ava";
import {
  SESSION_ENDED_MESSAGE,
  SessionManager,
  type SessionState,
} from "../src/lib/session-manager.js";
import type { StoredSession } from "../src/lib/stored-session.js";
import { MemoryStore, MIN, stored } from "./support/sessions.js";

/** Auth's Refresh: rotates, and refuses a refresh token used twice. */
function fakeAuth(clock: { now: number }) {
  const spent = new Set<string>();
  let issued = 1;
  const calls: string[] = [];
  return {
    calls,
    refresh: async (refreshToken: string): Promise<StoredSession> => {
      calls.push(refreshToken);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (spent.has(refreshToken)) {
        throw new ConnectError("your session has ended; sign in again", Code.Unauthenticated);
      }
      spent.add(refreshToken);
      return stored(++issued, clock.now);
    },
  };
}

test("a fresh access token is handed out as is; one about to expire is refreshed and rotated", async (t) => {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore();
  const auth = fakeAuth(clock);
  const manager = new SessionManager({ store, refresh: auth.refresh, now: () => clock.now });
  manager.signIn(stored(1, clock.now));
  t.is(await manager.accessToken(), "access-1");
  t.deepEqual(auth.calls, []);
  clock.now += 14.5 * MIN; // 30 s left: within the minute it refreshes ahead
  t.is(await manager.accessToken(), "access-2");
  t.deepEqual(auth.calls, ["refresh-1"]);
  t.is(store.value?.refreshToken, "refresh-2", "the rotated refresh token is kept");
});

test("concurrent callers share one refresh (single flight)", async (t) => {
  const clock = { now: 1_000_000 };
  const auth = fakeAuth(clock);
  const manager = new SessionManager({
    store: new MemoryStore(),
    refresh: auth.refresh,
    now: () => clock.now,
  });
  manager.signIn(stored(1, clock.now));
  clock.now += 15 * MIN;
  const tokens = await Promise.all([
    manager.accessToken(),
    manager.accessToken(),
    manager.refresh("access-1"),
    manager.accessToken(),
  ]);
  t.deepEqual(tokens, ["access-2", "access-2", "access-2", "access-2"]);
  t.deepEqual(auth.calls, ["refresh-1"], "the single-use refresh token is spent once");
});

test("a refused refresh token ends the session as expired", async (t) => {
  const clock = { now: 1_000_000 };
  const states: SessionState[] = [];
  const store = new MemoryStore();
  const manager = new SessionManager({
    store,
    refresh: async () => {
      throw new ConnectError("your session has ended; sign in again", Code.Unauthenticated);
    },
    now: () => clock.now,
  });
  manager.subscribe((s) => states.push(s));
  manager.signIn(stored(1, clock.now));
  const err = await t.throwsAsync(manager.refresh("access-1"));
  t.is(ConnectError.from(err).code, Code.Unauthenticated);
  t.is(ConnectError.from(err).rawMessage, SESSION_ENDED_MESSAGE);
  t.deepEqual(manager.state, { status: "signed-out", reason: "expired" });
  t.is(store.value, null, "nothing of the session stays stored");
  t.deepEqual(
    states.map((s) => s.status),
    ["signed-in", "signed-out"],
  );
  const later = await t.throwsAsync(manager.accessToken());
  t.is(ConnectError.from(later).rawMessage, SESSION_ENDED_MESSAGE);
});

test("a network failure during refresh keeps the session (try again later)", async (t) => {
  const clock = { now: 1_000_000 };
  let fail = true;
  const auth = fakeAuth(clock);
  const manager = new SessionManager({
    store: new MemoryStore(),
    refresh: async (token) => {
      if (fail) throw new ConnectError("Failed to fetch", Code.Unknown);
      return auth.refresh(token);
    },
    now: () => clock.now,
  });
  manager.signIn(stored(1, clock.now));
  const err = await t.throwsAsync(manager.refresh("access-1"));
  t.is(ConnectError.from(err).code, Code.Unknown);
  t.is(manager.state.status, "signed-in");
  fail = false;
  t.is(await manager.refresh("access-1"), "access-2");
});

test("two tabs never spend the same refresh token: the second adopts the first one's session", async (t) => {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore();
  const auth = fakeAuth(clock);
  // One lock for both tabs, as Web Locks gives the tabs of one origin.
  let chain = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const deps = { store, refresh: auth.refresh, now: () => clock.now, exclusive };
  const tab1 = new SessionManager(deps);
  tab1.signIn(stored(1, clock.now));
  const tab2 = new SessionManager(deps);
  t.is(tab2.state.status, "signed-in", "the other tab starts signed in from the store");
  clock.now += 15 * MIN;
  const [a, b] = await Promise.all([tab1.accessToken(), tab2.accessToken()]);
  t.is(a, "access-2");
  t.is(b, "access-2");
  t.deepEqual(auth.calls, ["refresh-1"], "one refresh for both tabs, no reuse");
  t.is(tab2.state.status, "signed-in");
});

test("signing out in another tab signs this one out; a new session there is followed", (t) => {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore();
  const deps = { store, refresh: fakeAuth(clock).refresh, now: () => clock.now };
  const here = new SessionManager(deps);
  here.signIn(stored(1, clock.now));
  store.save(stored(5, clock.now));
  here.syncFromStore();
  t.is(here.state.status === "signed-in" && here.state.session.accessToken, "access-5");
  store.save(null);
  here.syncFromStore();
  t.deepEqual(here.state, { status: "signed-out", reason: "signed-out" });
});

test("a stored session whose refresh token expired does not count as signed in", (t) => {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore();
  store.value = { ...stored(1, clock.now), refreshTokenExpiresAt: clock.now - 1 };
  const manager = new SessionManager({
    store,
    refresh: fakeAuth(clock).refresh,
    now: () => clock.now,
  });
  t.deepEqual(manager.state, { status: "signed-out", reason: "none" });
});

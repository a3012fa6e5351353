import { Code, ConnectError } from "@connectrpc/connect";
import type { MessagingEvent } from "@parley/gen/parley/messaging/v1/events_pb.js";
import test from "ava";
import {
  LiveConnection,
  type LiveConnectionDeps,
  type LiveStatus,
} from "../src/lib/live-connection.js";
import {
  CH,
  created,
  fresh,
  heartbeat,
  ME,
  recovered,
  reset,
  subscribed,
} from "./support/events.js";
import { FakeSubscribe, until } from "./support/fake-stream.js";

function connect(overrides: Partial<LiveConnectionDeps> = {}) {
  const server = new FakeSubscribe();
  const applied: MessagingEvent[] = [];
  const statuses: LiveStatus[] = [];
  const resets: string[] = [];
  let online = true;
  const live = new LiveConnection({
    open: server.open,
    selfUserId: ME,
    onEvent: (e) => applied.push(e),
    onReset: (id) => resets.push(id),
    onStatus: (s) => statuses.push(s),
    renewSession: async () => true,
    isOnline: () => online,
    backoff: { baseMs: 1, maxMs: 5 },
    ...overrides,
  });
  const done = live.start();
  return {
    live,
    server,
    applied,
    statuses,
    resets,
    setOnline(value: boolean) {
      online = value;
    },
    async stop() {
      live.stop();
      await done;
    },
  };
}

const texts = (events: MessagingEvent[]) =>
  events.flatMap((e) =>
    e.payload.case === "messageCreated" ? [e.payload.value.message?.text] : [],
  );

test("after a drop it reconnects with the last applied positions and applies each event once", async (t) => {
  const c = connect();
  await until(() => c.server.opens.length === 1);
  t.deepEqual(c.server.opens[0]?.positions, [], "a first connection sends no positions");
  c.server.last.push(subscribed([fresh(CH, "e1", 0n)]), created(1n), created(2n));
  await until(() => texts(c.applied).length === 2);
  c.server.last.fail(new ConnectError("server went away", Code.Unavailable));
  await until(() => c.server.opens.length === 2, "a second stream");
  t.deepEqual(c.server.opens[1]?.positions, [{ channelId: CH, epoch: "e1", offset: 2n }]);
  // The replay may overlap what was applied; each offset is applied once.
  c.server.last.push(subscribed([recovered(CH, "e1", 3n)]), created(2n), created(3n));
  await until(() => texts(c.applied).length === 3);
  c.server.last.push(created(4n));
  await until(() => texts(c.applied).length === 4);
  t.deepEqual(texts(c.applied), ["message 1", "message 2", "message 3", "message 4"]);
  t.deepEqual(c.statuses, ["live", "reconnecting", "live"]);
  t.deepEqual(c.resets, []);
  await c.stop();
  t.is(c.live.status, "stopped");
  t.true(c.server.last.aborted, "stop ends the open stream");
});

test("a channel the server cannot recover is reloaded (RESET), and so is one with a hole", async (t) => {
  const c = connect();
  await until(() => c.server.opens.length === 1);
  c.server.last.push(subscribed([fresh(CH, "e1", 5n)]));
  await until(() => c.statuses.includes("live"));
  c.server.last.fail(new ConnectError("gone", Code.Unavailable));
  await until(() => c.server.opens.length === 2);
  c.server.last.push(subscribed([reset(CH, "e2", 9n)]));
  await until(() => c.resets.length === 1);
  t.deepEqual(c.resets, [CH]);
  c.server.last.push(created(10n, undefined, "e2"), created(12n, undefined, "e2"));
  await until(() => c.resets.length === 2);
  t.deepEqual(texts(c.applied), ["message 10"], "the event after a hole is not applied");
  t.deepEqual(c.live.positions.get(CH), { epoch: "e2", offset: 12n });
  await c.stop();
});

test("a stream that stops sending heartbeats is treated as dead and replaced", async (t) => {
  const c = connect();
  await until(() => c.server.opens.length === 1);
  // Heartbeats every 20 ms: nothing for about two intervals means dead.
  c.server.last.push(subscribed([fresh(CH, "e1", 0n)], { heartbeatMs: 20 }));
  await until(() => c.statuses.includes("live"));
  await until(() => c.server.opens.length === 2, "a replacement stream");
  t.true(c.server.opens[0]?.stream.aborted, "the silent stream was abandoned");
  t.deepEqual(c.statuses.slice(0, 2), ["live", "reconnecting"]);
  await c.stop();
});

test("heartbeats keep a quiet stream alive", async (t) => {
  const c = connect();
  await until(() => c.server.opens.length === 1);
  c.server.last.push(subscribed([fresh(CH, "e1", 0n)], { heartbeatMs: 200 }));
  // 1.2 s in all: without the heartbeats the 500 ms watchdog would have fired.
  for (let i = 0; i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    c.server.last.push(heartbeat());
  }
  t.is(c.server.opens.length, 1, "no reconnect while heartbeats arrive");
  t.deepEqual(c.statuses, ["live"]);
  t.false(
    c.applied.some((e) => e.payload.case === "heartbeat"),
    "heartbeats are not applied",
  );
  await c.stop();
});

test("offline drops the stream at once and waits for online to resume", async (t) => {
  const c = connect();
  await until(() => c.server.opens.length === 1);
  c.server.last.push(subscribed([fresh(CH, "e1", 1n)]));
  await until(() => c.statuses.includes("live"));
  c.setOnline(false);
  c.live.goOffline();
  await until(() => c.statuses.at(-1) === "reconnecting");
  t.true(c.server.opens[0]?.stream.aborted);
  // With a 1 ms backoff it would have retried many times by now if it did not wait.
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(c.server.opens.length, 1, "no attempts while offline");
  c.setOnline(true);
  c.live.goOnline();
  await until(() => c.server.opens.length === 2);
  t.deepEqual(c.server.opens[1]?.positions, [{ channelId: CH, epoch: "e1", offset: 1n }]);
  c.server.last.push(subscribed([recovered(CH, "e1", 1n)]));
  await until(() => c.statuses.at(-1) === "live");
  await c.stop();
});

test("unauthenticated: renews the session and reconnects; stops when the session is over", async (t) => {
  let renewals = 0;
  let sessionOver = false;
  const c = connect({
    renewSession: async () => {
      renewals++;
      return !sessionOver;
    },
  });
  await until(() => c.server.opens.length === 1);
  c.server.last.push(subscribed([fresh(CH, "e1", 0n)]));
  await until(() => c.statuses.includes("live"));
  c.server.last.fail(new ConnectError("token expired", Code.Unauthenticated));
  await until(() => c.server.opens.length === 2);
  t.is(renewals, 1);
  c.server.last.push(subscribed([recovered(CH, "e1", 0n)]));
  await until(() => c.statuses.at(-1) === "live");
  sessionOver = true;
  c.server.last.fail(new ConnectError("revoked", Code.Unauthenticated));
  await until(() => c.live.status === "stopped");
  t.is(renewals, 2);
  t.is(c.server.opens.length, 2, "no reconnect without a session");
});

test("the stream is renewed shortly before its token expires, without a reconnecting state", async (t) => {
  const now = 1_000_000; // a fixed clock: the renewal is due 30 ms after `subscribed`
  const c = connect({ renewBeforeExpiryMs: 10_000, now: () => now });
  await until(() => c.server.opens.length === 1);
  c.server.last.push(subscribed([fresh(CH, "e1", 3n)], { expiresAt: now + 10_030 }));
  await until(() => c.server.opens.length === 2, "the renewed stream");
  t.true(c.server.opens[0]?.stream.aborted);
  t.deepEqual(c.server.opens[1]?.positions, [{ channelId: CH, epoch: "e1", offset: 3n }]);
  t.deepEqual(c.statuses, ["live"]);
  await c.stop();
});

test("positions the server refuses are dropped and every channel reloaded", async (t) => {
  const c = connect();
  await until(() => c.server.opens.length === 1);
  c.server.last.push(subscribed([fresh(CH, "e1", 3n)]));
  await until(() => c.statuses.includes("live"));
  c.server.last.fail(new ConnectError("bad positions", Code.InvalidArgument));
  await until(() => c.server.opens.length === 2);
  t.deepEqual(c.resets, [CH]);
  t.deepEqual(c.server.opens[1]?.positions, []);
  await c.stop();
});

/**
 * The live stream through the RPC layer: `subscribed` with the unread count first, created and
 * read events carrying the count, heartbeats, only the caller's own events, two instances on one
 * bus, and how streams end (token expiry, slow reader, shutdown).
 */

import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import test from "ava";
import {
  expiringAt,
  notifyRequest,
  Stream,
  startNotifications,
  subscribe,
  tempDir,
  testConfig,
} from "./helpers/harness.js";

test("subscribed comes first with the unread count, the heartbeat interval and the expiry", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  const expiresAt = h.clock.now() + 600_000;
  const { subscribed } = await subscribe(t, h.client, expiringAt(a, expiresAt));
  t.is(subscribed.unreadCount, 1);
  if (subscribed.payload.case !== "subscribed") throw new Error("not subscribed");
  t.is(subscribed.payload.value.heartbeatInterval?.seconds, 20n);
  const expires = subscribed.payload.value.expiresAt;
  t.is(expires && timestampMs(expires), expiresAt);
});

test("new notifications and reads reach the stream with the unread count after them", async (t) => {
  const h = await startNotifications(t);
  const [a, b] = [h.person(), h.person()];
  const { stream } = await subscribe(t, h.client, a.call);
  const { stream: other } = await subscribe(t, h.client, b.call);

  const first = await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  const second = await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  const created1 = await stream.next();
  const created2 = await stream.next();
  t.is(created1.payload.case, "notificationCreated");
  if (created1.payload.case !== "notificationCreated") return;
  t.is(created1.payload.value.notification?.id, first.results[0]?.notificationId);
  t.is(created1.unreadCount, 1);
  t.is(created2.unreadCount, 2);

  await h.client.markRead({ ids: [second.results[0]?.notificationId ?? ""] }, a.call);
  const read = await stream.next();
  t.is(read.payload.case, "notificationsRead");
  if (read.payload.case !== "notificationsRead") return;
  t.deepEqual(read.payload.value.notificationIds, [second.results[0]?.notificationId]);
  t.is(read.unreadCount, 1);
  t.truthy(read.payload.value.readAt);

  await h.client.markRead({ all: true }, a.call);
  const all = await stream.next();
  t.true(all.payload.case === "notificationsRead" && all.payload.value.all);
  t.is(all.unreadCount, 0);

  // Nothing about a reached b's stream: b's next event is b's own.
  await h.client.notify(notifyRequest([b.id]), h.as("messaging"));
  const bs = await other.next();
  t.is(bs.payload.case, "notificationCreated");
  t.is(bs.unreadCount, 1);
  t.is(other.events.filter((e) => e.payload.case !== "heartbeat").length, 2, "subscribed + own");
});

test("a MarkRead that changes nothing sends no event", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const { stream } = await subscribe(t, h.client, a.call);
  await h.client.markRead({ all: true }, a.call);
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  const next = await stream.next();
  t.is(next.payload.case, "notificationCreated", "the empty MarkRead left no event before it");
});

test("heartbeats carry the unread count read from the store", async (t) => {
  const h = await startNotifications(t, {
    config: testConfig({ PARLEY_NOTIFICATIONS_HEARTBEAT_INTERVAL: "50ms" }),
  });
  const a = h.person();
  const { stream } = await subscribe(t, h.client, a.call);
  // Stored directly: no event reaches the stream, as when the bus lost it.
  await h.notifications.store.inbox.record({
    caller: "test",
    key: "k",
    content: {
      kind: "system",
      title: "maintenance tonight",
      body: "",
      channelId: "",
      messageId: "",
      threadRootId: "",
      actorUserId: "",
      link: "",
    },
    recipients: [{ userId: a.id, create: true, push: false }],
    now: h.clock.now(),
    pushExpiresAt: h.clock.now(),
  });
  for (;;) {
    const beat = await stream.next(true);
    t.is(beat.payload.case, "heartbeat");
    if (beat.unreadCount === 1) break;
  }
  t.pass("the heartbeat brought the badge up to date");
});

test("a stream on another instance gets the events (shared bus and database)", async (t) => {
  const h = await startNotifications(t, {
    config: testConfig({ PARLEY_NOTIFICATIONS_DATA_DIR: tempDir(t) }),
  });
  const other = await h.instance();
  const a = h.person();
  const { stream } = await subscribe(t, other.client, a.call);
  const local = await subscribe(t, h.client, a.call);
  const res = await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  for (const s of [stream, local.stream]) {
    const event = await s.next();
    t.true(
      event.payload.case === "notificationCreated" &&
        event.payload.value.notification?.id === res.results[0]?.notificationId,
    );
    t.is(event.unreadCount, 1);
  }
  await other.client.markRead({ all: true }, a.call);
  for (const s of [stream, local.stream]) {
    const event = await s.next();
    t.is(event.payload.case, "notificationsRead");
    t.is(event.unreadCount, 0);
  }
  t.is(local.stream.events.length, 3, "each event once per stream, own instance included");
});

test("the stream ends with unauthenticated when the token expires", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const stream = new Stream(h.client, expiringAt(a, Date.now() + 300));
  t.teardown(() => stream.close());
  // The expiry timer runs on the wall clock; the fake clock only says when the token expires.
  h.clock.ms = Date.now();
  const err = await stream.end();
  t.is(err?.code, Code.Unauthenticated);
  const expired = new Stream(h.client, expiringAt(a, h.clock.now() - 1));
  t.is((await expired.end())?.code, Code.Unauthenticated, "an expired token cannot open one");
});

test("a reader that falls too far behind is closed with unavailable", async (t) => {
  const h = await startNotifications(t, {
    config: testConfig({ PARLEY_NOTIFICATIONS_STREAM_QUEUE: "16" }),
  });
  const a = h.person();
  // A stream nobody reads: the hub's offers pile up in its queue.
  const responses = h.client.subscribe({}, a.call)[Symbol.asyncIterator]();
  t.teardown(() => void responses.return?.());
  const first = await responses.next();
  t.is(first.value?.event?.payload.case, "subscribed");
  for (let i = 0; i < 40; i++) await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  const err = await t.throwsAsync(async () => {
    for (;;) {
      const next = await responses.next();
      if (next.done) return;
    }
  });
  t.is((err as { code?: Code }).code, Code.Unavailable);
  t.true(h.logger.lines.some((l) => /too far behind/.test(l.message)));
});

test("closing the module ends open streams with unavailable", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const { stream } = await subscribe(t, h.client, a.call);
  await h.notifications.close();
  t.is((await stream.end())?.code, Code.Unavailable);
});

test("Subscribe needs a signed-in caller", async (t) => {
  const h = await startNotifications(t);
  const stream = new Stream(h.client, {});
  t.is((await stream.end())?.code, Code.Unauthenticated);
});

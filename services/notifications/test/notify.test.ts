/**
 * Notify through the RPC layer (router transport, fake clock): per-recipient outcomes,
 * idempotency under retries and across instances, scoping to the calling service, and every
 * preference rule of preferences.proto.
 */
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import { NotifyOutcome } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import test from "ava";
import {
  notifyRequest,
  rejection,
  startNotifications,
  tempDir,
  testConfig,
} from "./helpers/harness.js";
import { browserKeys } from "./helpers/push-keys.js";

test("Notify creates one notification per recipient, in the order given", async (t) => {
  const h = await startNotifications(t);
  const [a, b] = [h.person(), h.person()];
  const req = notifyRequest([a.id, b.id]);
  const res = await h.client.notify(req, h.as("messaging"));
  t.deepEqual(
    res.results.map((r) => [r.userId, r.outcome]),
    [
      [a.id, NotifyOutcome.CREATED],
      [b.id, NotifyOutcome.CREATED],
    ],
  );
  const [forA] = (await h.client.listNotifications({}, a.call)).notifications;
  t.is(forA?.id, res.results[0]?.notificationId);
  t.is(forA?.title, req.title);
  t.is(forA?.body, req.body);
  t.is(forA?.channelId, req.channelId);
  t.is(forA?.messageId, req.messageId);
  t.is(forA?.actorUserId, req.actorUserId);
  t.is(forA?.link, req.link);
  t.is(forA?.kind, NotificationKind.MENTION);
  t.is(forA?.readAt, undefined, "unread");
  t.not(res.results[0]?.notificationId, res.results[1]?.notificationId, "each has their own copy");
});

test("a retried Notify creates nothing twice and answers DUPLICATE with the first notification", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const req = notifyRequest([a.id]);
  const first = await h.client.notify(req, h.as("messaging"));
  const retries = await Promise.all(
    Array.from({ length: 5 }, () => h.client.notify(req, h.as("messaging"))),
  );
  for (const retry of retries) {
    t.is(retry.results[0]?.outcome, NotifyOutcome.DUPLICATE);
    t.is(retry.results[0]?.notificationId, first.results[0]?.notificationId);
  }
  t.is((await h.client.getUnreadCount({}, a.call)).unreadCount, 1);

  // A retry that adds a recipient creates only for the new one.
  const b = h.person();
  const widened = await h.client.notify(
    { ...req, recipientUserIds: [a.id, b.id] },
    h.as("messaging"),
  );
  t.deepEqual(
    widened.results.map((r) => r.outcome),
    [NotifyOutcome.DUPLICATE, NotifyOutcome.CREATED],
  );
});

test("keys are scoped to the calling service", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const req = notifyRequest([a.id], { idempotencyKey: "same-key" });
  const fromMessaging = await h.client.notify(req, h.as("messaging"));
  const fromVoice = await h.client.notify(req, h.as("voice"));
  t.is(fromMessaging.results[0]?.outcome, NotifyOutcome.CREATED);
  t.is(fromVoice.results[0]?.outcome, NotifyOutcome.CREATED);
  t.is((await h.client.getUnreadCount({}, a.call)).unreadCount, 2);
});

test("a second instance on the same database sending the same key creates nothing more", async (t) => {
  const config = testConfig({ PARLEY_NOTIFICATIONS_DATA_DIR: tempDir(t) });
  const h = await startNotifications(t, { config });
  const other = await h.instance();
  const a = h.person();
  const req = notifyRequest([a.id]);
  const [one, two] = await Promise.all([
    h.client.notify(req, h.as("messaging")),
    other.client.notify(req, h.as("messaging")),
  ]);
  const outcomes = [one.results[0]?.outcome, two.results[0]?.outcome].sort();
  t.deepEqual(outcomes, [NotifyOutcome.CREATED, NotifyOutcome.DUPLICATE]);
  t.is(one.results[0]?.notificationId, two.results[0]?.notificationId);
  t.is((await other.client.getUnreadCount({}, a.call)).unreadCount, 1);
});

test("the actor is never notified (SELF), whatever the key", async (t) => {
  const h = await startNotifications(t);
  const [actor, other] = [h.person(), h.person()];
  const res = await h.client.notify(
    notifyRequest([actor.id, other.id], { actorUserId: actor.id }),
    h.as("messaging"),
  );
  t.deepEqual(
    res.results.map((r) => r.outcome),
    [NotifyOutcome.SELF, NotifyOutcome.CREATED],
  );
  t.is(res.results[0]?.notificationId, "");
  t.is((await h.client.getUnreadCount({}, actor.call)).unreadCount, 0);
});

test("a disabled kind suppresses; other kinds still arrive", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  await h.client.updatePreferences(
    { kinds: [{ kind: NotificationKind.REPLY, enabled: false, push: false }] },
    a.call,
  );
  const reply = await h.client.notify(
    notifyRequest([a.id], { kind: NotificationKind.REPLY }),
    h.as("messaging"),
  );
  t.is(reply.results[0]?.outcome, NotifyOutcome.SUPPRESSED);
  t.is(reply.results[0]?.notificationId, "");
  const mention = await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  t.is(mention.results[0]?.outcome, NotifyOutcome.CREATED);
  const listed = await h.client.listNotifications({}, a.call);
  t.deepEqual(
    listed.notifications.map((n) => n.kind),
    [NotificationKind.MENTION],
  );
});

test("a suppressed key stays used: a retry after unmuting is a DUPLICATE without a notification", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const channelId = randomUUID();
  await h.client.updatePreferences({ muteChannels: [{ channelId }] }, a.call);
  const req = notifyRequest([a.id], { channelId });
  t.is(
    (await h.client.notify(req, h.as("messaging"))).results[0]?.outcome,
    NotifyOutcome.SUPPRESSED,
  );
  await h.client.updatePreferences({ unmuteChannelIds: [channelId] }, a.call);
  const retry = await h.client.notify(req, h.as("messaging"));
  t.is(retry.results[0]?.outcome, NotifyOutcome.DUPLICATE);
  t.is(retry.results[0]?.notificationId, "");
  // A new message in the unmuted channel arrives.
  const next = await h.client.notify(notifyRequest([a.id], { channelId }), h.as("messaging"));
  t.is(next.results[0]?.outcome, NotifyOutcome.CREATED);
});

test("a channel mute with an end stops applying once it ends", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const channelId = randomUUID();
  await h.client.updatePreferences(
    {
      muteChannels: [
        { channelId, until: { seconds: BigInt(Math.floor((h.clock.now() + 60_000) / 1000)) } },
      ],
    },
    a.call,
  );
  const muted = await h.client.notify(notifyRequest([a.id], { channelId }), h.as("messaging"));
  t.is(muted.results[0]?.outcome, NotifyOutcome.SUPPRESSED);
  h.clock.advance(61_000);
  const later = await h.client.notify(notifyRequest([a.id], { channelId }), h.as("messaging"));
  t.is(later.results[0]?.outcome, NotifyOutcome.CREATED);
  // Notifications about other channels were never affected.
  const elsewhere = await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  t.is(elsewhere.results[0]?.outcome, NotifyOutcome.CREATED);
});

test("do-not-disturb and a kind's push switch hold back web push, not the inbox", async (t) => {
  const h = await startNotifications(t);
  const [quiet, pushless, normal] = [h.person(), h.person(), h.person()];
  for (const person of [quiet, pushless, normal]) {
    await h.client.registerPushSubscription(
      { endpoint: `https://push.example/${person.id}`, ...browserKeys().registration },
      person.call,
    );
  }
  await h.client.updatePreferences({ muteAllChange: { case: "muteAll", value: {} } }, quiet.call);
  await h.client.updatePreferences(
    { kinds: [{ kind: NotificationKind.MENTION, enabled: true, push: false }] },
    pushless.call,
  );
  const res = await h.client.notify(
    notifyRequest([quiet.id, pushless.id, normal.id]),
    h.as("messaging"),
  );
  t.true(
    res.results.every((r) => r.outcome === NotifyOutcome.CREATED),
    "all reach the inbox",
  );
  await h.notifications.push.kick();
  t.deepEqual(
    h.push.requests.map((r) => r.endpoint),
    [`https://push.example/${normal.id}`],
    "only the person without do-not-disturb or push off gets a push",
  );

  await h.client.updatePreferences(
    { muteAllChange: { case: "unmuteAll", value: true } },
    quiet.call,
  );
  await h.client.notify(notifyRequest([quiet.id]), h.as("messaging"));
  await h.notifications.push.kick();
  t.is(h.push.requests.at(-1)?.endpoint, `https://push.example/${quiet.id}`);
});

test("Notify without a mesh service identity is refused", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const err = await rejection(() => h.client.notify(notifyRequest([a.id]), a.call));
  t.is(err.code, Code.PermissionDenied);
  t.is((await h.client.getUnreadCount({}, a.call)).unreadCount, 0);
});

test("ids in upper case are the same people and channels", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const channelId = randomUUID();
  await h.client.updatePreferences({ muteChannels: [{ channelId }] }, a.call);
  const res = await h.client.notify(
    notifyRequest([a.id.toUpperCase()], { channelId: channelId.toUpperCase() }),
    h.as("messaging"),
  );
  t.is(res.results[0]?.outcome, NotifyOutcome.SUPPRESSED, "the mute matched");
  t.is(res.results[0]?.userId, a.id.toUpperCase(), "results echo the ids as given");
  const both = await h.client.notify(notifyRequest([a.id, a.id.toUpperCase()]), h.as("messaging"));
  t.deepEqual(
    both.results.map((r) => r.outcome),
    [NotifyOutcome.CREATED, NotifyOutcome.DUPLICATE],
    "one person named twice gets one notification",
  );
  t.is(both.results[0]?.notificationId, both.results[1]?.notificationId);
});

test("a Notify to 1,000 people answers for each, in order", async (t) => {
  const h = await startNotifications(t);
  const people = Array.from({ length: 1000 }, () => h.person());
  const [muted] = people;
  const channelId = randomUUID();
  if (muted) await h.client.updatePreferences({ muteChannels: [{ channelId }] }, muted.call);
  const res = await h.client.notify(
    notifyRequest(
      people.map((p) => p.id),
      { channelId },
    ),
    h.as("messaging"),
  );
  t.deepEqual(
    res.results.map((r) => r.userId),
    people.map((p) => p.id),
  );
  t.is(res.results[0]?.outcome, NotifyOutcome.SUPPRESSED);
  t.true(res.results.slice(1).every((r) => r.outcome === NotifyOutcome.CREATED));
  t.is(new Set(res.results.map((r) => r.notificationId)).size, 1000, "999 ids and one empty");
  t.is((await h.client.getUnreadCount({}, people[999]?.call)).unreadCount, 1);
});

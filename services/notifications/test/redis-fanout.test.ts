/**
 * Two notifications servers on one real redis-server and one database file, as the local mesh
 * runs them: a person's streams on either instance see what happens on the other (new
 * notifications, reads), Notify idempotency holds across instances, and a stream that missed an
 * event while Redis was down gets the right unread count back with its next heartbeat.
 */
import type { CallOptions } from "@connectrpc/connect";
import type { NotificationEvent } from "@parley/gen/parley/notifications/v1/events_pb.js";
import { NotifyOutcome } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import test, { type ExecutionContext } from "ava";
import { waitUntil } from "../../../test/support/redis.js";
import { StreamReader } from "../../../test/support/stream-reader.js";
import { startNotificationsCluster } from "./helpers/cluster.js";
import { notifyRequest } from "./helpers/harness.js";

const cluster = await startNotificationsCluster({
  instances: 2,
  redis: true,
  env: { PARLEY_NOTIFICATIONS_HEARTBEAT_INTERVAL: "300ms" },
});
test.after.always(() => cluster.close());
// Serial: one test stops the shared redis-server, which must not happen under the others.

/** A Subscribe stream read in the background, waiting up to 15 s for each event. */
class LiveStream extends StreamReader<NotificationEvent> {
  /** The next event (other than a heartbeat) matching `match`, skipping others. */
  async waitFor(what: string, match: (event: NotificationEvent) => boolean) {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const event = await this.nextRaw(deadline, what);
      if (event.payload.case !== "heartbeat" && match(event)) return event;
    }
  }
}

async function open(t: ExecutionContext, index: number, call: CallOptions) {
  const edge = await cluster.client("edge", index);
  const stream = new LiveStream((signal) => edge.subscribe({}, { ...call, signal }), {
    waitMs: 15_000,
  });
  t.teardown(() => stream.close());
  await stream.firstSubscribed();
  return stream;
}

test.serial("a stream on one instance gets what Notify and MarkRead do on the other", async (t) => {
  const alice = await cluster.register("alice");
  const onFirst = await open(t, 0, alice.call);
  const onSecond = await open(t, 1, alice.call);

  const viaSecond = await (await cluster.client("messaging", 1)).notify(notifyRequest([alice.id]));
  const id = viaSecond.results[0]?.notificationId;
  for (const stream of [onFirst, onSecond]) {
    const created = await stream.waitFor(
      "notification_created",
      (e) => e.payload.case === "notificationCreated" && e.payload.value.notification?.id === id,
    );
    t.is(created.unreadCount, 1);
  }

  await (await cluster.client("edge", 0)).markRead({ ids: [id ?? ""] }, alice.call);
  for (const stream of [onFirst, onSecond]) {
    const read = await stream.waitFor(
      "notifications_read",
      (e) => e.payload.case === "notificationsRead",
    );
    t.is(read.unreadCount, 0);
  }
  for (const stream of [onFirst, onSecond]) {
    t.is(
      stream.events.filter((e) => e.payload.case === "notificationCreated").length,
      1,
      "each event once per stream",
    );
  }
});

test.serial("the same key sent to both instances at once creates one notification", async (t) => {
  const alice = await cluster.register("alice");
  const req = notifyRequest([alice.id]);
  const answers = await Promise.all([
    (await cluster.client("messaging", 0)).notify(req),
    (await cluster.client("messaging", 1)).notify(req),
    (await cluster.client("messaging", 0)).notify(req),
    (await cluster.client("messaging", 1)).notify(req),
  ]);
  const outcomes = answers.map((a) => a.results[0]?.outcome);
  t.is(outcomes.filter((o) => o === NotifyOutcome.CREATED).length, 1);
  t.is(outcomes.filter((o) => o === NotifyOutcome.DUPLICATE).length, 3);
  t.is(new Set(answers.map((a) => a.results[0]?.notificationId)).size, 1);
  const edge = await cluster.client("edge", 1);
  t.is((await edge.getUnreadCount({}, alice.call)).unreadCount, 1);
});

test.serial(
  "with Redis down, Notify still stores; other instances' streams catch up by heartbeat",
  async (t) => {
    const redis = cluster.redis;
    if (!redis) throw new Error("no redis");
    const alice = await cluster.register("alice");
    const onSecond = await open(t, 1, alice.call);
    await redis.stop();
    t.teardown(async () => {
      await redis.start();
    });
    await waitUntil(
      () => cluster.instances.every((i) => i.pubsub?.connected === false),
      "both instances notice Redis is gone",
    );
    const res = await (await cluster.client("messaging", 0)).notify(notifyRequest([alice.id]));
    t.is(res.results[0]?.outcome, NotifyOutcome.CREATED, "Notify does not depend on Redis");
    await waitUntil(
      () => onSecond.events.some((e) => e.payload.case === "heartbeat" && e.unreadCount === 1),
      "a heartbeat on the other instance carries the new unread count",
    );
    t.false(
      onSecond.events.some((e) => e.payload.case === "notificationCreated"),
      "the event itself was lost with Redis (at most once, by contract nothing is replayed)",
    );

    await redis.start();
    await waitUntil(
      () => cluster.instances.every((i) => i.pubsub?.connected === true),
      "both instances are back on Redis",
    );
    await (await cluster.client("messaging", 0)).notify(notifyRequest([alice.id]));
    const after = await onSecond.waitFor(
      "live delivery after Redis returned",
      (e) => e.payload.case === "notificationCreated",
    );
    t.is(after.unreadCount, 2);
    t.is(onSecond.error, undefined, "the stream stayed open throughout");
  },
);

/**
 * Redis goes away under a running messaging tier and comes back on the same port, empty (a
 * restart without persistence). Messages stay durable and acknowledged throughout (SQLite is the
 * source of truth, Redis only says "something new"); the Send limit fails open; when Redis
 * returns, every instance reconnects by itself, streams that stayed open catch up from the shared
 * event log, clients reconnecting with their positions recover, and live fan-out resumes.
 *
 * One test: stopping Redis affects everything in this file.
 */
import { Code } from "@connectrpc/connect";
import { RecoveryStatus } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import { createRedisClient } from "@parley/mesh";
import test from "ava";
import {
  createChannel,
  createdText,
  EventStream,
  offsets,
  rejection,
  run,
  send,
  startMessagingCluster,
  startOffset,
  WAIT_MS,
  waitUntil,
} from "./support/messaging-cluster.js";

const SEND_LIMIT = 30;
const cluster = await startMessagingCluster({
  env: { PARLEY_MESSAGING_SEND_LIMIT: `${SEND_LIMIT}/1m` },
});
const one = cluster.instance(0);
const two = cluster.instance(1);
const redis = cluster.redis;
if (!redis) throw new Error("this file needs Redis");
test.after.always(() => cluster.close());

test.serial(
  "Redis stopped and restarted mid-traffic: nothing lost, nothing repeated",
  async (t) => {
    const alice = await cluster.register("alice");
    const bob = await cluster.register("bob");
    const carol = await cluster.register("carol");
    const chatty = await cluster.register("chatty");
    const channel = await createChannel(two.client, bob, { members: [alice, carol] });
    const chattyRoom = await createChannel(one.client, chatty);

    // Alice: one device that stays connected to instance 1 across the outage, and one that goes
    // away before it and comes back with its positions. Carol streams from instance 2, the
    // instance that commits bob's messages.
    const stays = await EventStream.open(one.client, alice);
    t.teardown(() => stays.stream.close());
    const start = startOffset(stays.subscribed, channel.id);
    const away = await EventStream.open(one.client, alice);
    const carolOnTwo = await EventStream.open(two.client, carol);
    t.teardown(() => carolOnTwo.stream.close());

    await send(two.client, bob, channel.id, "before the outage");
    for (const { stream } of [stays, away, carolOnTwo]) {
      const [event] = await stream.durable(1, channel.id);
      t.is(event && createdText(event), "before the outage");
    }
    const awayPositions = away.stream.positions();
    away.stream.close();
    await away.stream.end();

    // The Send limit is shared through Redis: counted on both instances together.
    for (let i = 0; i < SEND_LIMIT; i++) {
      await send(i % 2 ? one.client : two.client, chatty, chattyRoom.id, `within the limit ${i}`);
    }
    for (const instance of [one, two]) {
      const limited = await rejection(send(instance.client, chatty, chattyRoom.id, "one too many"));
      t.is(limited.code, Code.ResourceExhausted, `${instance.name} counts the other's sends`);
      t.regex(limited.metadata.get("retry-after") ?? "", /^\d+$/);
    }

    // ---- Redis goes away ----
    await redis.stop();
    await waitUntil(
      () => !one.redisConnected() && !two.redisConnected(),
      "both instances noticed Redis is gone",
      WAIT_MS,
    );

    const duringTexts = Array.from({ length: 10 }, (_, i) => `during the outage ${i + 1}`);
    const during = [];
    for (const text of duringTexts) during.push(await send(two.client, bob, channel.id, text));
    t.deepEqual(
      during.map((m) => m.text),
      duringTexts,
      "Send still persists and acknowledges",
    );
    const history = await one.client.listMessages({ channelId: channel.id }, alice.call);
    t.deepEqual(
      history.messages.map((m) => m.text),
      ["before the outage", ...duringTexts],
      "the other instance reads them from the shared store",
    );

    // Streams on the committing instance stay live: local delivery needs no bus.
    const local = await carolOnTwo.stream.durable(duringTexts.length, channel.id);
    t.deepEqual(local.map(createdText), duringTexts);
    // The stream on instance 1 only hears through the bus, which is down: nothing yet.
    t.deepEqual(
      stays.stream.received(channel.id).map(createdText),
      ["before the outage"],
      "instance 1 cannot have heard of them yet",
    );

    // The Send limit fails open: chatty, over the limit a moment ago, may send again.
    for (const instance of [one, two]) {
      const message = await send(instance.client, chatty, chattyRoom.id, "limiter is down");
      t.is(message.text, "limiter is down", `${instance.name} lets the send through`);
    }
    // Presence needs its store: unavailable, not internal.
    const presence = await rejection(
      one.client.setPresence({ status: PresenceStatus.ONLINE }, alice.call),
    );
    t.is(presence.code, Code.Unavailable);

    // The device that went away reconnects during the outage: the log has what it missed.
    const back = await EventStream.open(one.client, alice, awayPositions);
    t.teardown(() => back.stream.close());
    t.is(
      back.subscribed.channels.find((c) => c.channelId === channel.id)?.recovery,
      RecoveryStatus.RECOVERED,
    );
    const recovered = await back.stream.durable(duringTexts.length, channel.id);
    t.deepEqual(recovered.map(createdText), duringTexts);

    // ---- Redis comes back (same port, empty) ----
    // Bob keeps sending through both instances while the instances reconnect and resync: some of
    // these are published while the bus is still down, some race the resync, some travel live.
    const resyncsBefore = resyncCount(one);
    const reconnectTexts = Array.from({ length: 20 }, (_, i) => `while reconnecting ${i + 1}`);
    await redis.start();
    for (const [i, text] of reconnectTexts.entries()) {
      await send((i % 2 ? one : two).client, bob, channel.id, text);
    }
    await waitUntil(
      () => one.redisConnected() && two.redisConnected(),
      "both instances reconnected to Redis",
      WAIT_MS,
    );
    await waitUntil(
      () => resyncCount(one) > resyncsBefore,
      "instance 1 resynced its streams",
      WAIT_MS,
    );

    // The stream that stayed open catches up from the log, in order.
    const caughtUp = await stays.stream.durable(
      duringTexts.length + reconnectTexts.length,
      channel.id,
    );
    t.deepEqual(caughtUp.map(createdText), [...duringTexts, ...reconnectTexts]);
    for (const { stream } of [back, carolOnTwo]) {
      const seam = await stream.durable(reconnectTexts.length, channel.id);
      t.deepEqual(seam.map(createdText), reconnectTexts);
    }

    // Live fan-out across instances works again.
    const afterTexts = ["after the outage 1", "after the outage 2"];
    for (const text of afterTexts) await send(two.client, bob, channel.id, text);
    for (const { stream } of [stays, back, carolOnTwo]) {
      const live = await stream.durable(afterTexts.length, channel.id);
      t.deepEqual(live.map(createdText), afterTexts);
    }

    const everything = ["before the outage", ...duringTexts, ...reconnectTexts, ...afterTexts];
    t.deepEqual(
      offsets(stays.stream.received(channel.id)),
      run(start, everything.length),
      "the stream that stayed open: every offset once, in order",
    );
    t.deepEqual(stays.stream.received(channel.id).map(createdText), everything);
    const awayOffset = awayPositions.find((p) => p.channelId === channel.id)?.offset ?? 0n;
    t.deepEqual(
      offsets([...away.stream.received(channel.id), ...back.stream.received(channel.id)]),
      run(start, everything.length),
      "the device that reconnected: every offset once across its two streams",
    );
    t.is(awayOffset, start + 1n);
    t.deepEqual(offsets(carolOnTwo.stream.received(channel.id)), run(start, everything.length));

    // The limiter counts again on the fresh Redis, shared by both instances.
    for (let i = 0; i < SEND_LIMIT; i++) {
      await send(i % 2 ? two.client : one.client, chatty, chattyRoom.id, `counted again ${i}`);
    }
    const limitedAgain = await rejection(send(two.client, chatty, chattyRoom.id, "over again"));
    t.is(limitedAgain.code, Code.ResourceExhausted);
  },
);

test.serial(
  "a message its instance could not publish reaches the other instance once that instance reconnects",
  async (t) => {
    // Only instance 1 loses Redis: its publishing connection is cut and cannot come back while
    // Redis refuses new clients. Instance 2 stays connected throughout, so it has no reconnect of
    // its own to resync on.
    const admin = createRedisClient(redis.url, { name: "test-admin" });
    t.teardown(() => admin.disconnect());
    await waitUntil(() => admin.status === "ready", "the admin connection is up", WAIT_MS);
    await waitUntil(
      () => one.redisConnected() && two.redisConnected(),
      "both instances are connected to Redis",
      WAIT_MS,
    );
    const xavier = await cluster.register("xavier");
    const yolanda = await cluster.register("yolanda");
    const channel = await createChannel(one.client, xavier, { members: [yolanda] });
    const { stream, subscribed } = await EventStream.open(two.client, yolanda);
    t.teardown(() => stream.close());
    const start = startOffset(subscribed, channel.id);

    const clients = String(await admin.call("CLIENT", "LIST")).split("\n");
    const publisher = clients.find((line) => / name=messaging-1-bus-pub /.test(line));
    const id = publisher && /\bid=(\d+)/.exec(publisher)?.[1];
    if (!id) throw new Error("instance 1's publishing connection is not in CLIENT LIST");
    await admin.call("CONFIG", "SET", "maxclients", String(clients.filter(Boolean).length - 1));
    t.teardown(() => admin.call("CONFIG", "SET", "maxclients", "10000").catch(() => {}));
    await admin.call("CLIENT", "KILL", "ID", id);
    await waitUntil(() => !one.redisConnected(), "instance 1 lost its bus", WAIT_MS);

    const sent = await send(one.client, xavier, channel.id, "sent while instance 1 was cut off");
    t.is(sent.text, "sent while instance 1 was cut off", "Send still succeeds");
    t.true(two.redisConnected(), "instance 2 never lost Redis");
    t.deepEqual(stream.received(channel.id), [], "instance 2 has not heard of it yet");

    await admin.call("CONFIG", "SET", "maxclients", "10000");
    await waitUntil(() => one.redisConnected(), "instance 1 reconnected", WAIT_MS);
    const [event] = await stream.durable(1, channel.id);
    t.is(event && createdText(event), "sent while instance 1 was cut off");
    t.is(event?.offset, start + 1n);
  },
);

/** How often the instance logged that it resynced its streams after a bus reconnect. */
function resyncCount(instance: (typeof cluster.instances)[number]): number {
  return instance.log.lines().filter((line) => /resyncing open streams/.test(String(line.msg)))
    .length;
}

import { MembershipChange } from "@parley/gen/parley/messaging/v1/events_pb.js";
import test from "ava";
import { decodeEvent } from "../src/event-codec.js";
import { CHANNEL_EVENTS_TOPIC } from "../src/live/topics.js";
import {
  createChannel,
  LossyPubSub,
  send,
  startMessaging,
  subscribe,
  tempDir,
  testConfig,
} from "./helpers/harness.js";

/** Two messaging instances on one SQLite file and one bus that can lose messages. */
async function twoInstances(t: Parameters<typeof tempDir>[0]) {
  const bus = new LossyPubSub();
  const h = await startMessaging(t, {
    config: testConfig({ dataDir: tempDir(t) }),
    pubsub: bus,
  });
  const b = await h.instance();
  return { h, bus, a: h.client, b: b.client, instanceB: b.messaging };
}

/** Drops channel events on the bus whose offset matches `predicate`. */
function dropOffsets(bus: LossyPubSub, predicate: (offset: number) => boolean): void {
  bus.drop = (topic, payload) => {
    if (topic !== CHANNEL_EVENTS_TOPIC) return false;
    const event = decodeEvent(payload);
    return event.offset > 0n && predicate(Number(event.offset));
  };
}

test("two instances on one database and bus deliver to each other's streams", async (t) => {
  const { h, a, b } = await twoInstances(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(a, alice, "shared", { members: [bob] });
  const { stream: onB } = await subscribe(t, b, bob.call);
  const { stream: onA } = await subscribe(t, a, alice.call);

  await send(a, alice, channel.id, "from A");
  await send(b, bob, channel.id, "from B");
  for (const stream of [onA, onB]) {
    const events = await stream.durable(2);
    t.deepEqual(
      events.map((e) =>
        e.payload.case === "messageCreated" ? [e.payload.value.message?.text, e.offset] : [],
      ),
      [
        ["from A", 3n],
        ["from B", 4n],
      ],
    );
  }
  const seqs = (await b.listMessages({ channelId: channel.id }, bob.call)).messages.map(
    (m) => m.seq,
  );
  t.deepEqual(seqs, [1n, 2n], "both instances allocate from the same sequence");
});

test("instances writing at once never hand out the same seq or offset", async (t) => {
  const { h, a, b } = await twoInstances(t);
  const alice = h.person();
  const channel = await createChannel(a, alice, "contended");
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => send(i % 2 ? a : b, alice, channel.id, `m${i}`)),
  );
  const history = await a.listMessages({ channelId: channel.id, limit: 100 }, alice.call);
  t.deepEqual(
    history.messages.map((m) => Number(m.seq)),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  const head = (await h.messaging.store.events.heads([channel.id])).get(channel.id);
  t.is(head?.offset, 41);
});

test("a membership change made on one instance opens the channel on the other's streams", async (t) => {
  const { h, a, b } = await twoInstances(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(a, alice, "invite-only", { kind: "private" });
  const { stream: onB } = await subscribe(t, b, bob.call);
  await a.addMembers({ channelId: channel.id, userIds: [bob.id] }, alice.call);
  await send(a, alice, channel.id, "welcome");
  await a.removeMember({ channelId: channel.id, userId: bob.id }, alice.call);
  await send(a, alice, channel.id, "bob is gone");
  const marker = await createChannel(a, alice, "marker", { members: [bob] });
  await send(a, alice, marker.id, "marker");

  const events = await onB.durable(5);
  t.deepEqual(
    events.map((e) => [
      e.channelId,
      e.payload.case,
      e.payload.case === "membershipChanged" ? e.payload.value.change : undefined,
    ]),
    [
      [channel.id, "membershipChanged", MembershipChange.ADDED],
      [channel.id, "messageCreated", undefined],
      [channel.id, "membershipChanged", MembershipChange.REMOVED],
      [marker.id, "membershipChanged", MembershipChange.ADDED],
      [marker.id, "messageCreated", undefined],
    ],
  );
});

test("gap healing: events the bus lost reach the other instance's streams from the log, in order", async (t) => {
  const { h, a, b, bus } = await twoInstances(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(a, alice, "lossy", { members: [bob] });
  const { stream: onB, subscribed } = await subscribe(t, b, bob.call);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  const start = Number(subscribed.payload.value.channels[0]?.offset);

  // Lose two of every three events, but not the last (a lost tail heals on the next event, on a
  // bus reconnect, or when the client reconnects with its positions).
  dropOffsets(bus, (offset) => offset % 3 !== 0 && offset < start + 30);
  for (let i = 1; i <= 30; i++) await send(a, alice, channel.id, `m${i}`);
  t.true(bus.dropped >= 19, "most events never crossed the bus");

  const events = await onB.durable(30);
  t.deepEqual(
    events.map((e) => Number(e.offset)),
    Array.from({ length: 30 }, (_, i) => start + i + 1),
    "every offset, once, in order",
  );
  t.deepEqual(
    events.map((e) => (e.payload.case === "messageCreated" ? e.payload.value.message?.text : "")),
    Array.from({ length: 30 }, (_, i) => `m${i + 1}`),
  );
});

test("a membership event lost on the bus is recovered when the channel's next event arrives", async (t) => {
  const { h, a, b, bus } = await twoInstances(t);
  const alice = h.person();
  const bob = h.person();
  const carol = h.person();
  const channel = await createChannel(a, alice, "club", { kind: "private", members: [carol] });
  // Carol's stream on B makes B follow the channel; bob's stream on B is not in it yet.
  const { stream: carolOnB } = await subscribe(t, b, carol.call);
  await send(a, alice, channel.id, "warm-up");
  await carolOnB.durable(1);
  const { stream: bobOnB } = await subscribe(t, b, bob.call);

  dropOffsets(bus, () => true);
  await a.addMembers({ channelId: channel.id, userIds: [bob.id] }, alice.call);
  bus.drop = () => false;
  await send(a, alice, channel.id, "hello bob");

  const events = await bobOnB.durable(2);
  t.deepEqual(
    events.map((e) => e.payload.case),
    ["membershipChanged", "messageCreated"],
    "B's hub noticed the gap and routed the lost ADDED to bob first",
  );
});

test("after a bus outage, the hub resyncs its streams from the store without waiting for new events", async (t) => {
  const { h, a, b, bus, instanceB } = await twoInstances(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(a, alice, "outage", { members: [bob] });
  const other = await createChannel(a, alice, "joined-while-down");
  const { stream: onB, subscribed } = await subscribe(t, b, bob.call);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  const start = Number(subscribed.payload.value.channels[0]?.offset);

  bus.setConnected(false);
  for (let i = 1; i <= 5; i++) await send(a, alice, channel.id, `while down ${i}`);
  await a.addMembers({ channelId: other.id, userIds: [bob.id] }, alice.call);
  await send(a, alice, other.id, "in the new channel");
  t.true(h.logger.has(/bus publish failed/), "sends succeeded although publishing failed");
  t.is(
    onB.events.filter((e) => e.offset > 0n).length,
    0,
    "nothing reached B while the bus was down",
  );

  bus.setConnected(true);
  const events = await onB.durable(7);
  const mine = events.filter((e) => e.channelId === channel.id);
  t.deepEqual(
    mine.map((e) => Number(e.offset)),
    [1, 2, 3, 4, 5].map((i) => start + i),
  );
  const joined = events.filter((e) => e.channelId === other.id);
  t.deepEqual(
    joined.map((e) => e.payload.case),
    ["membershipChanged", "messageCreated"],
    "the membership made during the outage was attached from its first event",
  );
  t.is(instanceB.hub.size, 1);
});

test("streams on the publishing instance stay live while the bus is down", async (t) => {
  const { h, a, bus } = await twoInstances(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(a, alice, "local", { members: [bob] });
  const { stream: onA } = await subscribe(t, a, bob.call);
  bus.setConnected(false);
  await send(a, alice, channel.id, "local delivery");
  const [event] = await onA.durable(1);
  t.is(event?.payload.case, "messageCreated");
  bus.setConnected(true);
  await send(a, alice, channel.id, "after");
  const [next] = await onA.durable(1);
  t.is(
    next?.offset,
    (event?.offset ?? 0n) + 1n,
    "the bus copy of the first was dropped as a duplicate",
  );
});

test("sending moves the author's read position on their streams on every instance, with one bus message per send", async (t) => {
  const { h, bus, a, b } = await twoInstances(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(a, alice, "read-on-send", { members: [bob] });
  await send(b, bob, channel.id, "unread by alice until she writes");
  const { stream: aliceOnA } = await subscribe(t, a, alice.call);
  const { stream: aliceOnB } = await subscribe(t, b, alice.call);
  const { stream: bobOnB } = await subscribe(t, b, bob.call);

  const before = bus.published;
  const sent = await send(a, alice, channel.id, "alice writes");
  t.is(bus.published - before, 1, "one bus message: the stored event");
  for (const stream of [aliceOnA, aliceOnB]) {
    const created = await stream.nextOf("messageCreated");
    const read = await stream.nextOf("readStateChanged");
    t.is(created.payload.value.message?.id, sent.id);
    t.is(read.channelId, channel.id);
    t.like(read.payload.value.readState, {
      channelId: channel.id,
      lastReadSeq: sent.seq,
      unreadCount: 0,
      unreadMentionCount: 0,
    });
    t.deepEqual(read.payload.value.readState?.updatedAt, sent.createdAt);
  }
  // What the store says afterwards is what the streams were told.
  const stored = await a.getChannel({ channelId: channel.id }, alice.call);
  t.like(stored.membership?.readState, { lastReadSeq: sent.seq, unreadCount: 0 });
  t.deepEqual(stored.membership?.readState?.updatedAt, sent.createdAt);
  // Bob's streams never hear about alice's read position.
  await send(b, bob, channel.id, "marker");
  let event = await bobOnB.nextExcept("presenceChanged");
  while (
    event.payload.case === "messageCreated" &&
    event.payload.value.message?.text !== "marker"
  ) {
    event = await bobOnB.nextExcept("presenceChanged");
  }
  t.is(event.payload.case, "messageCreated");
  t.false(
    bobOnB.events.some(
      (e) =>
        e.payload.case === "readStateChanged" &&
        e.payload.value.readState?.lastReadSeq === sent.seq,
    ),
    "bob's stream got no read state of alice's",
  );
});

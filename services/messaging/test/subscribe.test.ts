import { Code } from "@connectrpc/connect";
import {
  MembershipChange,
  RecoveryStatus,
  ResetReason,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import { MemoryPubSub } from "@parley/mesh";
import test from "ava";
import { CHANNEL_EVENTS_TOPIC, USER_EVENTS_TOPIC } from "../src/live/topics.js";
import {
  createChannel,
  expiringAt,
  rejection,
  Stream,
  send,
  startMessaging,
  subscribe,
  testConfig,
} from "./helpers/harness.js";

test("subscribed comes first: every channel with its epoch, offset, recovery and read state", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const general = await createChannel(h.client, alice, "general", { members: [bob] });
  const quiet = await createChannel(h.client, bob, "quiet");
  await send(h.client, alice, general.id, "hello");

  const { subscribed } = await subscribe(t, h.client, bob.call, [
    { channelId: "7d444840-9dc0-11d1-b245-5ffdce74fad2", epoch: "x", offset: 3n },
  ]);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  const value = subscribed.payload.value;
  t.is(subscribed.offset, 0n);
  t.is(subscribed.channelId, "");
  const byId = new Map(value.channels.map((c) => [c.channelId, c]));
  t.deepEqual([...byId.keys()].sort(), [general.id, quiet.id].sort());
  const g = byId.get(general.id);
  t.is(g?.offset, 3n, "two membership events and one message");
  t.truthy(g?.epoch);
  t.is(g?.recovery, RecoveryStatus.NEW);
  t.is(g?.readState?.unreadCount, 1);
  t.is(byId.get(quiet.id)?.offset, 1n);
  t.deepEqual(value.goneChannelIds, ["7d444840-9dc0-11d1-b245-5ffdce74fad2"]);
  t.is(Number(value.heartbeatInterval?.seconds), 20);
  t.truthy(value.expiresAt);
});

test("live: every member's streams get each durable event once, in offset order", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, alice, "live", { members: [bob] });
  const { stream: bobs, subscribed } = await subscribe(t, h.client, bob.call);
  const { stream: alices } = await subscribe(t, h.client, alice.call);
  const start =
    subscribed.payload.case === "subscribed" ? subscribed.payload.value.channels[0]?.offset : 0n;

  const m = await send(h.client, alice, channel.id, "hi @bob");
  await h.client.editMessage(
    { channelId: channel.id, messageId: m.id, text: "hi there @bob" },
    alice.call,
  );
  await h.client.addReaction({ channelId: channel.id, messageId: m.id, emoji: "🎉" }, bob.call);
  await h.client.updateChannel({ channelId: channel.id, topic: "new topic" }, alice.call);
  await h.client.deleteMessage({ channelId: channel.id, messageId: m.id }, alice.call);

  for (const stream of [bobs, alices]) {
    const events = await stream.durable(5);
    t.deepEqual(
      events.map((e) => [e.payload.case, e.offset, e.channelId]),
      [
        ["messageCreated", (start ?? 0n) + 1n, channel.id],
        ["messageEdited", (start ?? 0n) + 2n, channel.id],
        ["reactionChanged", (start ?? 0n) + 3n, channel.id],
        ["channelUpdated", (start ?? 0n) + 4n, channel.id],
        ["messageDeleted", (start ?? 0n) + 5n, channel.id],
      ],
    );
    const [created, edited, reaction, updated, deleted] = events;
    if (created?.payload.case === "messageCreated") {
      t.is(created.payload.value.message?.text, "hi @bob");
      t.deepEqual(created.payload.value.message?.mentionedUserIds, [bob.id]);
    }
    if (edited?.payload.case === "messageEdited") {
      t.is(edited.payload.value.text, "hi there @bob");
      t.is(edited.payload.value.seq, m.seq);
    }
    if (reaction?.payload.case === "reactionChanged") {
      t.like(reaction.payload.value, { emoji: "🎉", userId: bob.id, added: true, count: 1 });
    }
    if (updated?.payload.case === "channelUpdated") {
      t.is(updated.payload.value.channel?.topic, "new topic");
      t.is(updated.payload.value.actorUserId, alice.id);
    }
    if (deleted?.payload.case === "messageDeleted") {
      t.like(deleted.payload.value, { authorUserId: alice.id, deletedByUserId: alice.id });
    }
    t.true(events.every((e) => e.epoch === events[0]?.epoch && e.epoch !== ""));
  }
});

test("replay: 100 messages missed while disconnected arrive exactly once, in order", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "busy", { members: [bob] });
  const { stream: first, subscribed } = await subscribe(t, h.client, bob.call);
  await send(h.client, alice, channel.id, "seen live");
  const [live] = await first.durable(1);
  first.close();
  await first.end();
  if (!live || subscribed.payload.case !== "subscribed") throw new Error("unreachable");

  for (let i = 1; i <= 100; i++) await send(h.client, alice, channel.id, `missed ${i}`);

  const { stream: second, subscribed: again } = await subscribe(t, h.client, bob.call, [
    { channelId: channel.id, epoch: live.epoch, offset: live.offset },
  ]);
  if (again.payload.case !== "subscribed") throw new Error("unreachable");
  const status = again.payload.value.channels[0];
  t.is(status?.recovery, RecoveryStatus.RECOVERED);
  t.is(status?.offset, live.offset + 100n);
  const replayed = await second.durable(100);
  t.deepEqual(
    replayed.map((e) => (e.payload.case === "messageCreated" ? e.payload.value.message?.text : "")),
    Array.from({ length: 100 }, (_, i) => `missed ${i + 1}`),
  );
  t.deepEqual(
    replayed.map((e) => e.offset),
    Array.from({ length: 100 }, (_, i) => live.offset + BigInt(i + 1)),
  );
  await send(h.client, alice, channel.id, "after replay");
  const [next] = await second.durable(1);
  t.is(next?.offset, live.offset + 101n, "live continues right after the replay, no repeats");
});

test("recovery resets: other epoch, position ahead, too far behind, too old, before membership", async (t) => {
  const h = await startMessaging(t, { config: testConfig({ eventRetentionCount: 5 }) });
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "resets", { members: [bob] });
  const { subscribed } = await subscribe(t, h.client, bob.call);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  const epoch = subscribed.payload.value.channels[0]?.epoch ?? "";
  const at = async (position: { epoch: string; offset: bigint }) => {
    const { subscribed: s, stream } = await subscribe(t, h.client, bob.call, [
      { channelId: channel.id, ...position },
    ]);
    stream.close();
    if (s.payload.case !== "subscribed") throw new Error("unreachable");
    return s.payload.value.channels[0];
  };

  const other = await at({ epoch: "another-epoch", offset: 1n });
  t.is(other?.recovery, RecoveryStatus.RESET);
  t.is(other?.resetReason, ResetReason.EPOCH_CHANGED);
  t.is(other?.epoch, epoch, "the client keeps the new epoch and offset");

  const ahead = await at({ epoch, offset: 99n });
  t.is(ahead?.recovery, RecoveryStatus.RESET);
  t.is(ahead?.resetReason, ResetReason.POSITION_AHEAD);

  for (let i = 0; i < 6; i++) await send(h.client, alice, channel.id, `m${i}`);
  const behind = await at({ epoch, offset: 2n });
  t.is(behind?.resetReason, ResetReason.TOO_FAR_BEHIND, "six events missed, five kept");
  const justInside = await at({ epoch, offset: 3n });
  t.is(justInside?.recovery, RecoveryStatus.RECOVERED);

  h.clock.advance(h.config.eventRetentionMs + 1);
  const old = await at({ epoch, offset: 7n });
  t.is(old?.resetReason, ResetReason.TOO_FAR_BEHIND, "kept events older than 24 h do not count");
  const current = await at({ epoch, offset: 8n });
  t.is(current?.recovery, RecoveryStatus.RECOVERED, "nothing missed: nothing to replay");

  const carol = h.person();
  await h.client.joinChannel({ channelId: channel.id }, carol.call);
  const { subscribed: carols } = await subscribe(t, h.client, carol.call, [
    { channelId: channel.id, epoch, offset: 7n },
  ]);
  if (carols.payload.case !== "subscribed") throw new Error("unreachable");
  t.is(
    carols.payload.value.channels[0]?.resetReason,
    ResetReason.TOO_FAR_BEHIND,
    "events from before carol's membership are never replayed to her",
  );
});

test("joining mid-stream: the membership event opens the channel on the stream, no reconnect", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const carol = h.person();
  const pub = await createChannel(h.client, alice, "pub");
  const priv = await createChannel(h.client, alice, "priv", { kind: "private" });
  await send(h.client, alice, pub.id, "before bob");
  const { stream: bobs, subscribed } = await subscribe(t, h.client, bob.call);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  t.is(subscribed.payload.value.channels.length, 0);

  await h.client.joinChannel({ channelId: pub.id }, bob.call);
  await send(h.client, alice, pub.id, "welcome");
  await h.client.addMembers({ channelId: priv.id, userIds: [bob.id] }, alice.call);
  await send(h.client, alice, priv.id, "psst");
  const dm = await h.client.openDirectChannel({ userIds: [bob.id] }, carol.call);
  await send(h.client, carol, dm.channel?.channel?.id ?? "", "dm");

  const events = await bobs.durable(6);
  const summary = events.map((e) => [
    e.channelId,
    e.payload.case,
    e.payload.case === "membershipChanged" ? e.payload.value.change : undefined,
  ]);
  t.deepEqual(summary, [
    [pub.id, "membershipChanged", MembershipChange.JOINED],
    [pub.id, "messageCreated", undefined],
    [priv.id, "membershipChanged", MembershipChange.ADDED],
    [priv.id, "messageCreated", undefined],
    [dm.channel?.channel?.id, "membershipChanged", MembershipChange.ADDED],
    [dm.channel?.channel?.id, "messageCreated", undefined],
  ]);
  const joined = events[0];
  if (joined?.payload.case === "membershipChanged") {
    t.is(joined.payload.value.userId, bob.id);
    t.is(joined.payload.value.channel?.memberCount, 2, "the channel as it is now");
  }
});

test("leaving, removal and deletion are each the channel's last event on the stream", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const a = await createChannel(h.client, alice, "a", { members: [bob] });
  const b = await createChannel(h.client, alice, "b", { members: [bob] });
  const c = await createChannel(h.client, alice, "c", { members: [bob] });
  const marker = await createChannel(h.client, alice, "marker", { members: [bob] });
  const { stream: bobs } = await subscribe(t, h.client, bob.call);

  await h.client.leaveChannel({ channelId: a.id }, bob.call);
  await send(h.client, alice, a.id, "after bob left");
  await h.client.removeMember({ channelId: b.id, userId: bob.id }, alice.call);
  await send(h.client, alice, b.id, "after bob was removed");
  await h.client.deleteChannel({ channelId: c.id }, alice.call);
  await send(h.client, alice, marker.id, "marker");

  const events = await bobs.durable(4);
  t.deepEqual(
    events.map((e) => [
      e.channelId,
      e.payload.case,
      e.payload.case === "membershipChanged" ? e.payload.value.change : undefined,
    ]),
    [
      [a.id, "membershipChanged", MembershipChange.LEFT],
      [b.id, "membershipChanged", MembershipChange.REMOVED],
      [c.id, "channelDeleted", undefined],
      [marker.id, "messageCreated", undefined],
    ],
  );

  await h.client.joinChannel({ channelId: a.id }, bob.call);
  await send(h.client, alice, a.id, "bob is back");
  const back = await bobs.durable(2);
  t.deepEqual(
    back.map((e) => e.payload.case),
    ["membershipChanged", "messageCreated"],
    "rejoining opens the channel again from the join on",
  );
  t.is(back[0]?.offset, (events[0]?.offset ?? 0n) + 2n, "the message sent while away was skipped");

  const { subscribed } = await subscribe(t, h.client, bob.call, [
    { channelId: b.id, epoch: events[1]?.epoch ?? "", offset: events[1]?.offset ?? 0n },
    { channelId: c.id, epoch: events[2]?.epoch ?? "", offset: events[2]?.offset ?? 0n },
  ]);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  t.deepEqual([...subscribed.payload.value.goneChannelIds].sort(), [b.id, c.id].sort());
});

test("heartbeats arrive at the configured interval", async (t) => {
  const h = await startMessaging(t, { config: testConfig({ heartbeatIntervalMs: 20 }) });
  const alice = h.person();
  const { stream, subscribed } = await subscribe(t, h.client, alice.call);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  t.is(Number(subscribed.payload.value.heartbeatInterval?.nanos), 20_000_000);
  const beat = await stream.nextOf("heartbeat");
  t.is(beat.payload.case, "heartbeat");
  if (beat.payload.case === "heartbeat") {
    t.is(Number(beat.payload.value.serverTime?.seconds) * 1000, h.clock.now());
  }
});

test("the stream ends with unauthenticated when its access token expires", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const expired = await rejection(async () => {
    for await (const _ of h.client.subscribe({}, expiringAt(alice, h.clock.now() - 1))) break;
  });
  t.is(expired.code, Code.Unauthenticated);

  const stream = new Stream(h.client, expiringAt(alice, h.clock.now() + 50));
  t.teardown(() => stream.close());
  const first = await stream.next();
  t.is(first.payload.case, "subscribed");
  if (first.payload.case === "subscribed") {
    t.is(
      Number(first.payload.value.expiresAt?.seconds) * 1000 +
        Number(first.payload.value.expiresAt?.nanos) / 1e6,
      h.clock.now() + 50,
    );
  }
  const err = await stream.end();
  t.is(err?.code, Code.Unauthenticated);
});

test("a stream whose reader falls too far behind ends with unavailable, and reconnecting loses nothing", async (t) => {
  const h = await startMessaging(t, { config: testConfig({ streamQueueLimit: 16 }) });
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "flood", { members: [bob] });
  const responses = h.client.subscribe({}, bob.call)[Symbol.asyncIterator]();
  const first = await responses.next();
  t.is(first.value?.event?.payload.case, "subscribed");
  let position = { epoch: "", offset: 0n };
  if (first.value?.event?.payload.case === "subscribed") {
    const c = first.value.event.payload.value.channels[0];
    position = { epoch: c?.epoch ?? "", offset: c?.offset ?? 0n };
  }
  // Nobody reads: the stream's buffers fill up, then it gives up instead of growing.
  for (let i = 0; i < 300; i++) await send(h.client, alice, channel.id, `flood ${i}`);
  const read: bigint[] = [];
  const err = await rejection(async () => {
    for (;;) {
      const next = await responses.next();
      if (next.done) return;
      const event = next.value.event;
      if (event && event.offset > 0n) read.push(event.offset);
    }
  });
  t.is(err.code, Code.Unavailable);
  t.true(read.length < 300);
  t.true(h.logger.has(/fell too far behind/));

  const last = read.length > 0 ? (read[read.length - 1] ?? position.offset) : position.offset;
  const { stream } = await subscribe(t, h.client, bob.call, [
    { channelId: channel.id, epoch: position.epoch, offset: last },
  ]);
  const rest = await stream.durable(300 - read.length);
  t.deepEqual(
    [...read, ...rest.map((e) => e.offset)],
    Array.from({ length: 300 }, (_, i) => position.offset + BigInt(i + 1)),
    "what was read plus what was replayed is every event, once",
  );
});

test("closing messaging ends open streams with unavailable", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const { stream } = await subscribe(t, h.client, alice.call);
  await h.messaging.close();
  const err = await stream.end();
  t.is(err?.code, Code.Unavailable);
  t.is(h.messaging.hub.size, 0);
});

test("cancelling a stream unregisters it from the hub", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const { stream } = await subscribe(t, h.client, alice.call);
  t.is(h.messaging.hub.size, 1);
  stream.close();
  await stream.end();
  for (let i = 0; i < 50 && h.messaging.hub.size > 0; i++)
    await new Promise((r) => setTimeout(r, 5));
  t.is(h.messaging.hub.size, 0);
});

test("a stream carries only the caller's channels; other channels stay invisible", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const eve = h.person();
  const secret = await createChannel(h.client, alice, "secret", { kind: "private" });
  const open = await createChannel(h.client, alice, "open");
  const { stream: eves, subscribed } = await subscribe(t, h.client, eve.call, [
    { channelId: secret.id, epoch: "guess", offset: 1n },
  ]);
  if (subscribed.payload.case !== "subscribed") throw new Error("unreachable");
  t.deepEqual(subscribed.payload.value.channels, []);
  t.deepEqual(subscribed.payload.value.goneChannelIds, [secret.id], "a position is not access");
  await send(h.client, alice, secret.id, "private");
  await send(h.client, alice, open.id, "public, but eve has not joined");
  await h.client.sendTyping({ channelId: secret.id }, alice.call);
  const mine = await createChannel(h.client, eve, "eves");
  const first = await eves.nextExcept("presenceChanged");
  t.is(first.channelId, mine.id, "the first event eve sees is about her own channel");
  t.false(eves.events.some((e) => e.channelId === secret.id || e.channelId === open.id));
});

test("malformed bus messages are dropped and logged; delivery goes on", async (t) => {
  const pubsub = new MemoryPubSub();
  const h = await startMessaging(t, { pubsub });
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "robust");
  const { stream } = await subscribe(t, h.client, alice.call);
  await pubsub.publish(CHANNEL_EVENTS_TOPIC, new Uint8Array([0xff, 0xff, 0xff]));
  await pubsub.publish(USER_EVENTS_TOPIC, new Uint8Array([7]));
  await send(h.client, alice, channel.id, "still flowing");
  const event = await stream.nextOf("messageCreated");
  t.is(event.payload.value.message?.text, "still flowing");
  t.true(h.logger.has(/malformed bus message dropped/));
});

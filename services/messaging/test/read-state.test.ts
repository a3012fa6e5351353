import test from "ava";
import { createChannel, send, startMessaging, subscribe } from "./helpers/harness.js";

test("unread counts: top-level messages of others, not deleted, and mentions among them", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, alice, "unread", { members: [bob] });
  const m1 = await send(h.client, alice, channel.id, "one");
  await send(h.client, alice, channel.id, "two @bob");
  await send(h.client, alice, channel.id, "a reply @bob", m1.id);
  await send(h.client, bob, channel.id, "bob's own");
  const m5 = await send(h.client, alice, channel.id, "five @bob");
  await h.client.deleteMessage({ channelId: channel.id, messageId: m5.id }, alice.call);
  await send(h.client, alice, channel.id, "six");

  const bobs = await h.client.listChannels({}, bob.call);
  const state = bobs.channels[0]?.readState;
  t.is(state?.lastReadSeq, 4n, "sending moved bob's read position to his message");
  t.is(state?.unreadCount, 1, "only 'six' is above bob's position");
  t.is(state?.unreadMentionCount, 0);

  const alices = await h.client.getChannel({ channelId: channel.id }, alice.call);
  t.is(alices.membership?.readState?.lastReadSeq, 6n);
  t.is(alices.membership?.readState?.unreadCount, 0, "one's own messages are never unread");

  const carol = h.person("carol");
  await h.client.joinChannel({ channelId: channel.id }, carol.call);
  await send(h.client, alice, channel.id, "hi @carol");
  const carols = await h.client.getChannel({ channelId: channel.id }, carol.call);
  t.is(carols.membership?.readState?.lastReadSeq, 0n);
  t.is(carols.membership?.readState?.unreadCount, 5, "1, 2, 6, 7 from alice and 4 from bob");
  t.is(carols.membership?.readState?.unreadMentionCount, 1);
  t.is(carols.membership?.readState?.updatedAt, undefined, "never moved");
});

test("MarkRead only moves forward, clamps to the newest message, and tells the other devices", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, alice, "reads", { members: [bob] });
  for (let i = 0; i < 5; i++) await send(h.client, alice, channel.id, `m${i} @bob`);
  const { stream: otherDevice } = await subscribe(t, h.client, bob.call);

  h.clock.advance(1000);
  const marked = await h.client.markRead({ channelId: channel.id, seq: 3n }, bob.call);
  t.is(marked.readState?.lastReadSeq, 3n);
  t.is(marked.readState?.unreadCount, 2);
  t.is(marked.readState?.unreadMentionCount, 2);
  t.is(Number(marked.readState?.updatedAt?.seconds) * 1000, h.clock.now());
  const event = await otherDevice.nextOf("readStateChanged");
  t.is(event.channelId, channel.id);
  t.is(event.offset, 0n, "read state is not a durable channel event");
  t.is(event.payload.value.readState?.lastReadSeq, 3n);

  const backwards = await h.client.markRead({ channelId: channel.id, seq: 1n }, bob.call);
  t.is(backwards.readState?.lastReadSeq, 3n, "a lower seq changes nothing");
  const beyond = await h.client.markRead({ channelId: channel.id, seq: 999n }, bob.call);
  t.is(beyond.readState?.lastReadSeq, 5n, "beyond the newest counts as the newest");
  t.is(beyond.readState?.unreadCount, 0);
  const next = await otherDevice.nextOf("readStateChanged");
  t.is(
    next.payload.value.readState?.lastReadSeq,
    5n,
    "the no-op MarkRead sent no event; the next one is the move to 5",
  );
});

test("read_state_changed goes only to the reader's own streams", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "private-reads", { members: [bob] });
  await send(h.client, bob, channel.id, "hello");
  const { stream: alices } = await subscribe(t, h.client, alice.call);
  await h.client.markRead({ channelId: channel.id, seq: 1n }, bob.call);
  await send(h.client, bob, channel.id, "marker");
  const first = await alices.nextExcept("presenceChanged");
  t.is(first.payload.case, "messageCreated", "alice never saw bob's read state");
});

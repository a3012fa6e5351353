import { Code } from "@connectrpc/connect";
import { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import test from "ava";
import { createChannel, rejection, send, startMessaging, subscribe } from "./helpers/harness.js";

test("typing reaches the channel's other members, not the typist, with a 6 s expiry", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "typing", { members: [bob] });
  const root = await send(h.client, alice, channel.id, "root");
  const { stream: bobs } = await subscribe(t, h.client, bob.call);
  const { stream: alices } = await subscribe(t, h.client, alice.call);

  await h.client.sendTyping({ channelId: channel.id, threadRootId: root.id }, alice.call);
  const typing = await bobs.nextOf("typing");
  t.is(typing.channelId, channel.id);
  t.is(typing.offset, 0n);
  t.is(typing.epoch, "");
  t.is(typing.payload.value.userId, alice.id);
  t.is(typing.payload.value.threadRootId, root.id);
  t.true(typing.payload.value.typing);
  t.is(Number(typing.payload.value.expiresAt?.seconds) * 1000, h.clock.now() + 6000);

  await send(h.client, bob, channel.id, "marker");
  const first = await alices.nextExcept("presenceChanged");
  t.is(first.payload.case, "messageCreated", "the typist's own streams got no typing event");
});

test("typing calls closer than 2 s are absorbed; stopping always goes through", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "throttle", { members: [bob] });
  const { stream: bobs } = await subscribe(t, h.client, bob.call);

  await h.client.sendTyping({ channelId: channel.id }, alice.call);
  h.clock.advance(1000);
  await h.client.sendTyping({ channelId: channel.id }, alice.call);
  await h.client.sendTyping({ channelId: channel.id, stopped: true }, alice.call);
  h.clock.advance(500);
  await h.client.sendTyping({ channelId: channel.id }, alice.call);
  h.clock.advance(2000);
  await h.client.sendTyping({ channelId: channel.id }, alice.call);

  const seen = [];
  for (let i = 0; i < 4; i++) seen.push((await bobs.nextOf("typing")).payload.value.typing);
  t.deepEqual(seen, [true, false, true, true], "the second 'typing' (after 1 s) was absorbed");
});

test("typing needs membership, an unarchived channel and a real thread root", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "rules");
  const unknownRoot = await rejection(() =>
    h.client.sendTyping(
      { channelId: channel.id, threadRootId: "7d444840-9dc0-11d1-b245-5ffdce74fad2" },
      alice.call,
    ),
  );
  t.is(unknownRoot.code, Code.NotFound);
  await h.client.archiveChannel({ channelId: channel.id }, alice.call);
  const archived = await rejection(() =>
    h.client.sendTyping({ channelId: channel.id }, alice.call),
  );
  t.is(archived.code, Code.FailedPrecondition);
});

test("presence: online while a stream is open, offline with last_seen after it closes", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const stranger = h.person();
  await createChannel(h.client, alice, "friends", { members: [bob] });
  const unknown = "7d444840-9dc0-11d1-b245-5ffdce74fad2";

  const before = await h.client.getPresence({ userIds: [alice.id, unknown] }, bob.call);
  t.deepEqual(
    before.presences.map((p) => [p.userId, p.status, p.lastSeenAt]),
    [
      [alice.id, PresenceStatus.OFFLINE, undefined],
      [unknown, PresenceStatus.OFFLINE, undefined],
    ],
    "in the order asked; never-seen and unknown people are offline",
  );

  const { stream: bobs } = await subscribe(t, h.client, bob.call);
  const { stream: strangers } = await subscribe(t, h.client, stranger.call);
  const { stream: alices } = await subscribe(t, h.client, alice.call);
  const online = await bobs.presenceOf(alice.id);
  t.is(online?.status, PresenceStatus.ONLINE);
  const now = await h.client.getPresence({ userIds: [alice.id] }, stranger.call);
  t.is(now.presences[0]?.status, PresenceStatus.ONLINE);

  h.clock.advance(5000);
  alices.close();
  await alices.end();
  const offline = await bobs.presenceOf(alice.id);
  t.is(offline?.status, PresenceStatus.OFFLINE);
  t.is(Number(offline?.lastSeenAt?.seconds) * 1000, h.clock.now());

  await send(h.client, stranger, (await createChannel(h.client, stranger, "own")).id, "marker");
  await strangers.nextOf("messageCreated");
  t.false(
    strangers.events.some(
      (e) => e.payload.case === "presenceChanged" && e.payload.value.presence?.userId === alice.id,
    ),
    "nothing about alice reached the stranger",
  );
});

test("SetPresence: away for all devices, a heartbeat for 60 s, then offline and back to online", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  await createChannel(h.client, alice, "pals", { members: [bob] });
  const { stream: bobs } = await subscribe(t, h.client, bob.call);

  const away = await h.client.setPresence({ status: PresenceStatus.AWAY }, alice.call);
  t.is(away.presence?.status, PresenceStatus.AWAY);
  t.is((await bobs.presenceOf(alice.id))?.status, PresenceStatus.AWAY);

  h.clock.advance(59_000);
  await h.messaging.presence.refresh();
  const still = await h.client.getPresence({ userIds: [alice.id] }, bob.call);
  t.is(still.presences[0]?.status, PresenceStatus.AWAY, "within the TTL");

  h.clock.advance(2_000);
  await h.messaging.presence.refresh();
  const lapsed = await bobs.presenceOf(alice.id);
  t.is(lapsed?.status, PresenceStatus.OFFLINE, "the sweep announced it");
  t.is(
    Number(lapsed?.lastSeenAt?.seconds) * 1000,
    h.clock.now() - 61_000,
    "last seen when the heartbeat came",
  );

  const { stream: alices } = await subscribe(t, h.client, alice.call);
  const back = await bobs.presenceOf(alice.id);
  t.is(back?.status, PresenceStatus.ONLINE, "a new session starts online again");
  alices.close();
});

test("an open stream keeps its owner present past the TTL through refreshes", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  await subscribe(t, h.client, alice.call);
  for (let i = 0; i < 5; i++) {
    h.clock.advance(20_000);
    await h.messaging.presence.refresh();
  }
  const res = await h.client.getPresence({ userIds: [alice.id] }, alice.call);
  t.is(res.presences[0]?.status, PresenceStatus.ONLINE);
});

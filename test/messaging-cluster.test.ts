/**
 * Messaging scaled out, for real: two `serveMessaging` instances on one SQLite data directory and
 * one redis-server, with auth verifying tokens and looking people up over the network. What one
 * instance commits reaches streams on the other through Redis; what a client missed while away is
 * replayed from the shared event log by whichever instance it reconnects to.
 */
import { randomUUID } from "node:crypto";
import { type Client, Code } from "@connectrpc/connect";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MembershipChange, RecoveryStatus } from "@parley/gen/parley/messaging/v1/events_pb.js";
import type { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
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
  type TestUser,
  waitUntil,
} from "./support/messaging-cluster.js";

type Messaging = Client<typeof MessagingService>;

const cluster = await startMessagingCluster({
  // High enough for the 100-message test, still enforced (through Redis) on every Send.
  env: { PARLEY_MESSAGING_SEND_LIMIT: "1000/10s" },
});
const one = cluster.instance(0);
const two = cluster.instance(1);
// Declared after every top-level await: ava starts running once the first test is declared.
test.after.always(() => cluster.close());

test("cross-instance delivery: messages, edits, deletions, reactions, typing and membership", async (t) => {
  const alice = await cluster.register("alice");
  const bob = await cluster.register("bob");
  const carol = await cluster.register("carol");
  const channel = await createChannel(two.client, bob, { members: [alice] });

  const { stream: onOne, subscribed } = await EventStream.open(one.client, alice);
  t.teardown(() => onOne.close());
  // Carol belongs to no channel yet: her stream on instance 1 starts empty.
  const { stream: carolOnOne, subscribed: carolSubscribed } = await EventStream.open(
    one.client,
    carol,
  );
  t.teardown(() => carolOnOne.close());
  t.deepEqual(carolSubscribed.channels, []);
  const start = startOffset(subscribed, channel.id);

  // Bob works through instance 2; alice listens on instance 1.
  const sent = await send(two.client, bob, channel.id, "hello from instance 2");
  const created = await onOne.nextOf("messageCreated");
  t.is(created.channelId, channel.id);
  t.is(created.offset, start + 1n);
  t.is(created.epoch, subscribed.channels[0]?.epoch ?? "", "the epoch subscribed announced");
  t.is(created.payload.value.message?.id, sent.id);
  t.is(created.payload.value.message?.text, "hello from instance 2");
  t.is(created.payload.value.message?.authorUserId, bob.id);

  await two.client.editMessage(
    { channelId: channel.id, messageId: sent.id, text: "edited on instance 2" },
    bob.call,
  );
  const edited = await onOne.nextOf("messageEdited");
  t.is(edited.offset, start + 2n);
  t.is(edited.payload.value.messageId, sent.id);
  t.is(edited.payload.value.text, "edited on instance 2");

  await two.client.addReaction(
    { channelId: channel.id, messageId: sent.id, emoji: "👍" },
    bob.call,
  );
  const reaction = await onOne.nextOf("reactionChanged");
  t.is(reaction.offset, start + 3n);
  t.like(reaction.payload.value, {
    messageId: sent.id,
    emoji: "👍",
    userId: bob.id,
    added: true,
    count: 1,
  });

  await two.client.sendTyping({ channelId: channel.id }, bob.call);
  const typing = await onOne.nextOf("typing");
  t.is(typing.channelId, channel.id);
  t.is(typing.offset, 0n, "typing is ephemeral: no offset");
  t.is(typing.epoch, "");
  t.is(typing.payload.value.userId, bob.id);
  t.true(typing.payload.value.typing);

  await two.client.deleteMessage({ channelId: channel.id, messageId: sent.id }, bob.call);
  const deleted = await onOne.nextOf("messageDeleted");
  t.is(deleted.offset, start + 4n);
  t.is(deleted.payload.value.messageId, sent.id);
  t.is(deleted.payload.value.deletedByUserId, bob.id);

  // Carol joins through instance 2 while her stream is open on instance 1.
  await two.client.joinChannel({ channelId: channel.id }, carol.call);
  const joined = await onOne.nextOf("membershipChanged");
  t.is(joined.offset, start + 5n);
  t.like(joined.payload.value, { userId: carol.id, change: MembershipChange.JOINED });
  t.is(joined.payload.value.channel?.memberCount, 3);
  const carolFirst = await carolOnOne.nextOf("membershipChanged");
  t.is(carolFirst.channelId, channel.id, "the joiner's open stream starts following the channel");
  t.is(carolFirst.offset, start + 5n);

  await send(two.client, bob, channel.id, "welcome carol");
  const [forCarol] = await carolOnOne.durable(1, channel.id);
  t.is(forCarol && createdText(forCarol), "welcome carol");
  t.is(forCarol?.offset, start + 6n);

  // Exactly once: a marker from instance 1 itself, then everything alice got for the channel.
  await send(one.client, bob, channel.id, "marker");
  await waitUntil(
    () => onOne.received(channel.id).some((e) => createdText(e) === "marker"),
    "alice got the marker",
  );
  const all = onOne.received(channel.id);
  t.deepEqual(offsets(all), run(start, 7), "every durable event once, in order");
  t.deepEqual(
    all.map((e) => e.payload.case),
    [
      "messageCreated",
      "messageEdited",
      "reactionChanged",
      "messageDeleted",
      "membershipChanged",
      "messageCreated",
      "messageCreated",
    ],
  );
  t.deepEqual(
    offsets(carolOnOne.received(channel.id)),
    run(start + 4n, 3),
    "the joiner got the channel from its membership event on",
  );
  t.false(
    onOne.events.some((e) => e.payload.case === "typing" && e.payload.value.userId === alice.id),
  );
});

test("the headline: a client reconnecting to the other instance with its offsets gets exactly what it missed", async (t) => {
  const alice = await cluster.register("alice");
  const bob = await cluster.register("bob");
  const busy = await createChannel(one.client, alice, { members: [bob] });
  const quiet = await createChannel(one.client, alice);

  const first = await EventStream.open(one.client, alice);
  await send(two.client, bob, busy.id, "before the disconnect");
  const [applied] = await first.stream.durable(1, busy.id);
  const positions = first.stream.positions();
  t.deepEqual(
    positions.map((p) => p.channelId).sort(),
    [busy.id, quiet.id].sort(),
    "the client tracks both channels",
  );
  const busyPosition = positions.find((p) => p.channelId === busy.id);
  t.is(busyPosition?.offset, applied?.offset);
  first.stream.close();
  await first.stream.end();

  const missed: { id: string; seq: bigint }[] = [];
  for (let i = 1; i <= 100; i++) {
    const message = await send(two.client, bob, busy.id, `missed ${i}`);
    missed.push({ id: message.id, seq: message.seq });
  }

  const { stream, subscribed } = await EventStream.open(two.client, alice, positions);
  t.teardown(() => stream.close());
  const from = busyPosition?.offset ?? 0n;
  const busyState = subscribed.channels.find((c) => c.channelId === busy.id);
  t.is(busyState?.recovery, RecoveryStatus.RECOVERED);
  t.is(busyState?.offset, from + 100n, "subscribed names the channel's head");
  t.is(
    subscribed.channels.find((c) => c.channelId === quiet.id)?.recovery,
    RecoveryStatus.RECOVERED,
  );
  t.deepEqual(subscribed.goneChannelIds, []);

  const replayed = await stream.durable(100);
  t.true(
    replayed.every((e) => e.channelId === busy.id && e.payload.case === "messageCreated"),
    "only the missed messages, nothing of the quiet channel",
  );
  t.deepEqual(offsets(replayed), run(from, 100), "consecutive offsets, in order, once each");
  t.deepEqual(
    replayed.map(createdText),
    missed.map((_, i) => `missed ${i + 1}`),
  );
  const seqs = replayed.map((e) =>
    e.payload.case === "messageCreated" ? (e.payload.value.message?.seq ?? 0n) : 0n,
  );
  t.deepEqual(
    seqs,
    missed.map((m) => m.seq),
  );
  t.true(
    seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0n)),
    "seq strictly increasing",
  );

  // Then live delivery continues on the same stream, from either instance.
  await send(one.client, bob, busy.id, "live after recovery");
  const [live] = await stream.durable(1);
  t.is(live?.offset, from + 101n);
  t.is(live && createdText(live), "live after recovery");
  t.deepEqual(offsets(stream.received(busy.id)), run(from, 101), "no duplicate arrived in between");
});

test("reconnecting while messages keep coming: no gap and no repeat at the seams", async (t) => {
  const alice = await cluster.register("alice");
  const bob = await cluster.register("bob");
  const channel = await createChannel(one.client, bob, { members: [alice] });
  const first = await EventStream.open(one.client, alice);
  const start = startOffset(first.subscribed, channel.id);
  const streams = [first.stream];
  t.teardown(() => {
    for (const stream of streams) stream.close();
  });

  // Bob sends through both instances while alice hops between them, each time with the
  // positions of what she applied: replays meet live events at every seam.
  const texts = Array.from({ length: 80 }, (_, i) => `flowing ${i + 1}`);
  let sent = 0;
  const sending = (async () => {
    for (const text of texts) {
      await send((sent % 2 ? one : two).client, bob, channel.id, text);
      sent++;
    }
  })();
  for (let hop = 1; sent < texts.length; hop++) {
    const current = streams[streams.length - 1] as EventStream;
    const seen = current.received(channel.id).length;
    await waitUntil(
      () => current.received(channel.id).length > seen || sent >= texts.length,
      "the stream moved on",
    );
    current.close();
    await current.end();
    const next = await EventStream.open((hop % 2 ? two : one).client, alice, current.positions());
    streams.push(next.stream);
  }
  await sending;
  // The last message reached the last stream, or the one before it if sending ended first.
  await waitUntil(
    () =>
      streams.some((stream) =>
        stream.received(channel.id).some((e) => createdText(e) === texts.at(-1)),
      ),
    "the last message arrived",
  );
  t.true(streams.length > 3, `alice reconnected ${streams.length - 1} times`);
  const all = streams.flatMap((stream) => stream.received(channel.id));
  t.deepEqual(offsets(all), run(start, texts.length), "every offset once, in order");
  t.deepEqual(all.map(createdText), texts);
});

test("idempotent Send: one key, any instance, any timing, one message and one event", async (t) => {
  const alice = await cluster.register("alice");
  const bob = await cluster.register("bob");
  const channel = await createChannel(one.client, alice, { members: [bob] });
  const { stream } = await EventStream.open(one.client, alice);
  t.teardown(() => stream.close());

  // A retry that lands on the other instance.
  const key = randomUUID();
  const request = { channelId: channel.id, text: "sent twice", idempotencyKey: key };
  const firstTry = await one.client.sendMessage(request, bob.call);
  const retry = await two.client.sendMessage(request, bob.call);
  t.is(retry.message?.id, firstTry.message?.id);
  t.is(retry.message?.seq, firstTry.message?.seq);

  // Retries racing each other on both instances.
  const keys = Array.from({ length: 8 }, () => randomUUID());
  const racing = await Promise.all(
    keys.flatMap((k, i) =>
      [one, two, two, one].map((instance) =>
        instance.client.sendMessage(
          { channelId: channel.id, text: `raced ${i}`, idempotencyKey: k },
          bob.call,
        ),
      ),
    ),
  );
  for (let i = 0; i < keys.length; i++) {
    const answers = racing.slice(i * 4, i * 4 + 4).map((r) => r.message);
    t.is(new Set(answers.map((m) => m?.id)).size, 1, `key ${i}: one message id`);
    t.is(new Set(answers.map((m) => m?.seq)).size, 1, `key ${i}: one seq`);
  }

  // The same key for a different message is refused, on either instance.
  const reused = await rejection(
    two.client.sendMessage({ ...request, text: "something else" }, bob.call),
  );
  t.is(reused.code, Code.AlreadyExists);

  await send(two.client, bob, channel.id, "marker");
  await waitUntil(
    () => stream.received(channel.id).some((e) => createdText(e) === "marker"),
    "alice got the marker",
  );
  const created = stream.received(channel.id).filter((e) => e.payload.case === "messageCreated");
  t.is(created.length, 1 + keys.length + 1, "one message_created per key, plus the marker");
  const ids = created.map((e) =>
    e.payload.case === "messageCreated" ? e.payload.value.message?.id : undefined,
  );
  t.is(new Set(ids).size, ids.length, "no message announced twice");
  const history = await two.client.listMessages({ channelId: channel.id, limit: 100 }, bob.call);
  t.is(history.messages.length, 1 + keys.length + 1, "stored once per key");
  t.deepEqual(
    history.messages.map((m) => Number(m.seq)),
    run(0, history.messages.length),
  );
});

test("an instance shutting down: its streams end, clients reconnect elsewhere and lose nothing", async (t) => {
  const doomed = await cluster.startInstance();
  const alice = await cluster.register("alice");
  const bob = await cluster.register("bob");
  const channel = await createChannel(two.client, bob, { members: [alice] });
  const { stream, subscribed } = await EventStream.open(doomed.client, alice);
  const start = startOffset(subscribed, channel.id);

  // Bob keeps sending through instance 2 while the instance alice streams from goes away, and
  // while alice reconnects to instance 2.
  const texts = Array.from({ length: 60 }, (_, i) => `during shutdown ${i + 1}`);
  const sending = (async () => {
    for (const text of texts) await send(two.client, bob, channel.id, text);
  })();
  await stream.durable(3, channel.id);
  await doomed.close();
  const ended = await stream.end();
  t.true(
    ended === undefined || ended.code === Code.Unavailable,
    `the stream ended cleanly or with unavailable, not ${ended?.code}`,
  );
  t.is(doomed.server.messaging.hub.size, 0, "no stream left on the stopped instance");
  const before = stream.received(channel.id);

  const resumed = await EventStream.open(two.client, alice, stream.positions());
  t.teardown(() => resumed.stream.close());
  t.is(
    resumed.subscribed.channels.find((c) => c.channelId === channel.id)?.recovery,
    RecoveryStatus.RECOVERED,
  );
  await sending;
  const rest = await resumed.stream.durable(texts.length - before.length, channel.id);
  const all = [...before, ...rest];
  t.deepEqual(offsets(all), run(start, texts.length), "every offset once across both streams");
  t.deepEqual(all.map(createdText), texts);

  await send(one.client, bob, channel.id, "after the shutdown");
  const [live] = await resumed.stream.durable(1, channel.id);
  t.is(live && createdText(live), "after the shutdown");
  t.is(live?.offset, start + BigInt(texts.length) + 1n);
});

test("bad input over gRPC and Connect JSON gets invalid_argument, not_found or permission_denied, never internal", async (t) => {
  const alice = await cluster.register("alice");
  const bob = await cluster.register("bob");
  const mallory = await cluster.register("mallory");
  const secret = await createChannel(one.client, alice, {
    kind: ChannelKind.PRIVATE,
    members: [bob],
  });
  const open = await createChannel(two.client, alice);
  const message = await send(one.client, alice, secret.id, "a message");
  const unknownId = randomUUID();

  // Real page tokens, to replay against the wrong listing or tamper with.
  const membersPage = await one.client.listMembers(
    { channelId: secret.id, pageSize: 1 },
    alice.call,
  );
  t.not(membersPage.nextPageToken, "", "two members, pages of one: there is a next page");
  const [, tag] = JSON.parse(Buffer.from(membersPage.nextPageToken, "base64url").toString()) as [
    number,
    string,
  ];
  const tampered = (...position: unknown[]) =>
    Buffer.from(JSON.stringify([1, tag, ...position])).toString("base64url");

  type Case = {
    readonly name: string;
    readonly call: (client: Messaging) => Promise<unknown>;
    /** The code it must fail with; "ok-or-invalid" for tampered tokens a server may accept. */
    readonly code: Code | "ok-or-invalid";
  };
  const as = (user: TestUser) => user.call;
  const cases: Case[] = [
    {
      name: "text over 4,000 characters",
      call: (c) =>
        c.sendMessage(
          { channelId: secret.id, text: "x".repeat(4001), idempotencyKey: randomUUID() },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "text over 4,000 characters (astral)",
      call: (c) =>
        c.sendMessage(
          { channelId: secret.id, text: "😀".repeat(4001), idempotencyKey: randomUUID() },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "empty text",
      call: (c) =>
        c.sendMessage({ channelId: secret.id, text: "", idempotencyKey: randomUUID() }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "white-space text",
      call: (c) =>
        c.sendMessage(
          { channelId: secret.id, text: " \n\t ", idempotencyKey: randomUUID() },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "edit to an oversized text",
      call: (c) =>
        c.editMessage(
          { channelId: secret.id, messageId: message.id, text: "y".repeat(4001) },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "missing idempotency key",
      call: (c) => c.sendMessage({ channelId: secret.id, text: "hi" }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "malformed channel id",
      call: (c) =>
        c.sendMessage(
          { channelId: "general", text: "hi", idempotencyKey: randomUUID() },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "unknown channel (send)",
      call: (c) =>
        c.sendMessage(
          { channelId: unknownId, text: "hi", idempotencyKey: randomUUID() },
          as(alice),
        ),
      code: Code.NotFound,
    },
    {
      name: "unknown channel (get)",
      call: (c) => c.getChannel({ channelId: unknownId }, as(alice)),
      code: Code.NotFound,
    },
    {
      name: "unknown channel (history)",
      call: (c) => c.listMessages({ channelId: unknownId }, as(alice)),
      code: Code.NotFound,
    },
    {
      name: "unknown message",
      call: (c) => c.getMessage({ channelId: secret.id, messageId: unknownId }, as(alice)),
      code: Code.NotFound,
    },
    {
      name: "unknown thread root",
      call: (c) => c.listMessages({ channelId: secret.id, threadRootId: unknownId }, as(alice)),
      code: Code.NotFound,
    },
    {
      name: "cursor: before_seq 0",
      call: (c) =>
        c.listMessages(
          { channelId: secret.id, anchor: { case: "beforeSeq", value: 0n } },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "cursor: around an unknown message",
      call: (c) =>
        c.listMessages(
          { channelId: secret.id, anchor: { case: "aroundMessageId", value: unknownId } },
          as(alice),
        ),
      code: Code.NotFound,
    },
    {
      name: "cursor: around a malformed message id",
      call: (c) =>
        c.listMessages(
          { channelId: secret.id, anchor: { case: "aroundMessageId", value: "latest" } },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "history page over 100",
      call: (c) => c.listMessages({ channelId: secret.id, limit: 101 }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "page token: garbage",
      call: (c) => c.listChannels({ pageToken: "not a token!" }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "page token: base64 of nonsense",
      call: (c) => c.listChannels({ pageToken: "AAAA" }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "page token: too long",
      call: (c) => c.listChannels({ pageToken: "a".repeat(513) }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "page token: from another channel's members",
      call: (c) =>
        c.listMembers({ channelId: open.id, pageToken: membersPage.nextPageToken }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "page token: from another listing",
      call: (c) => c.listPublicChannels({ pageToken: membersPage.nextPageToken }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "page token: tampered position (absurd numbers)",
      call: (c) =>
        c.listMembers(
          {
            channelId: secret.id,
            pageToken: tampered(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, "' OR 1=1 --"),
          },
          as(alice),
        ),
      code: "ok-or-invalid",
    },
    {
      name: "page token: tampered position (wrong types)",
      call: (c) =>
        c.listMembers({ channelId: secret.id, pageToken: tampered("0", 1.5, 7) }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "not an emoji",
      call: (c) =>
        c.addReaction(
          { channelId: secret.id, messageId: message.id, emoji: "thumbsup" },
          as(alice),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "mark read at seq 0",
      call: (c) => c.markRead({ channelId: secret.id, seq: 0n }, as(alice)),
      code: Code.InvalidArgument,
    },
    {
      name: "foreign private channel: get",
      call: (c) => c.getChannel({ channelId: secret.id }, as(mallory)),
      code: Code.PermissionDenied,
    },
    {
      name: "foreign private channel: history",
      call: (c) => c.listMessages({ channelId: secret.id }, as(mallory)),
      code: Code.PermissionDenied,
    },
    {
      name: "foreign private channel: send",
      call: (c) =>
        c.sendMessage(
          { channelId: secret.id, text: "hi", idempotencyKey: randomUUID() },
          as(mallory),
        ),
      code: Code.PermissionDenied,
    },
    {
      name: "foreign private channel: join",
      call: (c) => c.joinChannel({ channelId: secret.id }, as(mallory)),
      code: Code.PermissionDenied,
    },
    {
      name: "foreign private channel: a message by id",
      call: (c) => c.getMessage({ channelId: secret.id, messageId: message.id }, as(mallory)),
      code: Code.PermissionDenied,
    },
    {
      name: "public channel, not joined: history",
      call: (c) => c.listMessages({ channelId: open.id }, as(mallory)),
      code: Code.PermissionDenied,
    },
    {
      name: "someone else's message: edit",
      call: (c) =>
        c.editMessage({ channelId: secret.id, messageId: message.id, text: "mine now" }, as(bob)),
      code: Code.PermissionDenied,
    },
    {
      name: "no token",
      call: (c) => c.listChannels({}),
      code: Code.Unauthenticated,
    },
    {
      name: "a token that is not one",
      call: (c) =>
        c.listChannels({}, { headers: { authorization: `Bearer ${alice.accessToken}x` } }),
      code: Code.Unauthenticated,
    },
    {
      name: "Subscribe: malformed position",
      call: (c) => firstEvent(c, alice, [{ channelId: "nope", epoch: "e", offset: 1n }]),
      code: Code.InvalidArgument,
    },
    {
      name: "Subscribe: two positions for one channel",
      call: (c) =>
        firstEvent(c, alice, [
          { channelId: secret.id, epoch: "e", offset: 1n },
          { channelId: secret.id, epoch: "e", offset: 2n },
        ]),
      code: Code.InvalidArgument,
    },
    {
      // Thousands of violations: over gRPC the detail listing them travels in a trailer.
      name: "Subscribe: 2,000 malformed positions",
      call: (c) =>
        firstEvent(
          c,
          alice,
          Array.from({ length: 2000 }, (_, i) => ({
            channelId: `channel-${i}`,
            epoch: "",
            offset: BigInt(i),
          })),
        ),
      code: Code.InvalidArgument,
    },
    {
      name: "GetPresence: 201 malformed ids",
      call: (c) =>
        c.getPresence({ userIds: Array.from({ length: 201 }, (_, i) => `user-${i}`) }, as(alice)),
      code: Code.InvalidArgument,
    },
  ];

  for (const instance of [one, two]) {
    for (const [transport, client] of [
      ["gRPC", instance.client],
      ["Connect JSON", instance.jsonClient],
    ] as const) {
      for (const { name, call, code } of cases) {
        const label = `${instance.name} ${transport}: ${name}`;
        let got: Code | "ok";
        try {
          await call(client);
          got = "ok";
        } catch (err) {
          got = (await rejection(Promise.reject(err))).code;
        }
        if (code === "ok-or-invalid") {
          t.true(got === "ok" || got === Code.InvalidArgument, `${label}: got ${codeName(got)}`);
        } else {
          t.is(codeName(got), codeName(code), label);
        }
      }
    }
  }

  // Positions for a channel the caller is not in are reported, not refused.
  const { stream, subscribed } = await EventStream.open(one.client, mallory, [
    { channelId: secret.id, epoch: "whatever", offset: 5n },
  ]);
  stream.close();
  t.deepEqual(subscribed.goneChannelIds, [secret.id]);
  t.deepEqual(subscribed.channels, []);

  // Connect JSON bodies no client library would send.
  const path = "/parley.messaging.v1.MessagingService/ListMessages";
  for (const body of [
    `{"channelId":"${secret.id}","beforeSeq":"abc"}`,
    `{"channelId":"${secret.id}","beforeSeq":"-1"}`,
    `{"channelId":"${secret.id}","beforeSeq":"18446744073709551616"}`,
    `{"channelId":${JSON.stringify(secret.id)},"limit":1.5}`,
    `{"channelId":12}`,
    `{"channelId":"${secret.id}","beforeSeq":"1","afterSeq":"2"}`,
    "not json",
    "",
  ]) {
    const res = await fetch(`${one.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...alice.call.headers },
      body,
    });
    const answer = (await res.json()) as { code?: string };
    t.is(res.status, 400, `${body}: HTTP ${res.status} ${JSON.stringify(answer)}`);
    t.is(answer.code, "invalid_argument", body);
  }

  // Both instances still serve.
  for (const instance of [one, two]) {
    const res = await instance.client.listMessages({ channelId: secret.id }, alice.call);
    t.is(res.messages.length, 1);
  }
});

/** Opens a stream and returns its first event (to surface a refused request). */
async function firstEvent(
  client: Messaging,
  user: TestUser,
  positions: { channelId: string; epoch: string; offset: bigint }[],
) {
  const abort = new AbortController();
  try {
    for await (const res of client.subscribe(
      { positions },
      { ...user.call, signal: abort.signal },
    )) {
      return res.event;
    }
    return undefined;
  } finally {
    abort.abort();
  }
}

function codeName(code: Code | "ok"): string {
  return code === "ok" ? "ok" : Code[code];
}

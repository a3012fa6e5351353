import { Code } from "@connectrpc/connect";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import { waitUntil } from "../../../test/support/redis.js";
import type { UserDirectory } from "../src/ports.js";
import {
  createChannel,
  key,
  rejection,
  send,
  startMessaging,
  testConfig,
} from "./helpers/harness.js";

test("sending stores the message with the next seq, and the channel tracks it", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "chat");
  const first = await send(h.client, alice, channel.id, "hello");
  h.clock.advance(5000);
  const second = await send(h.client, alice, channel.id, "again");
  t.is(first.seq, 1n);
  t.is(second.seq, 2n);
  t.is(first.authorUserId, alice.id);
  t.is(first.text, "hello");
  t.is(first.channelId, channel.id);
  t.truthy(first.idempotencyKey);
  const now = await h.client.getChannel({ channelId: channel.id }, alice.call);
  t.is(now.channel?.lastMessageSeq, 2n);
  t.deepEqual(now.channel?.lastMessageAt, second.createdAt);
  const got = await h.client.getMessage({ channelId: channel.id, messageId: first.id }, alice.call);
  t.is(got.message?.text, "hello");
});

test("reading and posting need membership, even in public channels", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const outsider = h.person();
  const admin = h.person("adm", "admin");
  const channel = await createChannel(h.client, owner, "public-room");
  const message = await send(h.client, owner, channel.id, "members only");
  const calls = [
    () => send(h.client, outsider, channel.id, "hi"),
    () => h.client.listMessages({ channelId: channel.id }, outsider.call),
    () => h.client.getMessage({ channelId: channel.id, messageId: message.id }, outsider.call),
    () =>
      h.client.addReaction(
        { channelId: channel.id, messageId: message.id, emoji: "👍" },
        outsider.call,
      ),
    () => h.client.sendTyping({ channelId: channel.id }, outsider.call),
    () => h.client.markRead({ channelId: channel.id, seq: 1n }, outsider.call),
    () => h.client.listMessages({ channelId: channel.id }, admin.call),
  ];
  for (const call of calls) t.is((await rejection(call)).code, Code.PermissionDenied);
  const unknown = await rejection(() =>
    send(h.client, owner, "7d444840-9dc0-11d1-b245-5ffdce74fad2", "hi"),
  );
  t.is(unknown.code, Code.NotFound);
  const otherChannel = await createChannel(h.client, owner, "elsewhere");
  const wrongChannel = await rejection(() =>
    h.client.getMessage({ channelId: otherChannel.id, messageId: message.id }, owner.call),
  );
  t.is(wrongChannel.code, Code.NotFound, "message ids are looked up within the channel");
});

test("history pages both ways, oldest first, with has_more flags", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "log");
  for (let i = 1; i <= 10; i++) await send(h.client, alice, channel.id, `m${i}`);
  const seqs = (page: { messages: { seq: bigint }[] }) => page.messages.map((m) => Number(m.seq));

  const newest = await h.client.listMessages({ channelId: channel.id, limit: 4 }, alice.call);
  t.deepEqual(seqs(newest), [7, 8, 9, 10]);
  t.true(newest.hasMoreBefore);
  t.false(newest.hasMoreAfter);

  const older = await h.client.listMessages(
    { channelId: channel.id, limit: 4, anchor: { case: "beforeSeq", value: 7n } },
    alice.call,
  );
  t.deepEqual(seqs(older), [3, 4, 5, 6]);
  t.true(older.hasMoreBefore);
  t.true(older.hasMoreAfter);

  const oldest = await h.client.listMessages(
    { channelId: channel.id, limit: 4, anchor: { case: "beforeSeq", value: 3n } },
    alice.call,
  );
  t.deepEqual(seqs(oldest), [1, 2]);
  t.false(oldest.hasMoreBefore);

  const forward = await h.client.listMessages(
    { channelId: channel.id, limit: 3, anchor: { case: "afterSeq", value: 2n } },
    alice.call,
  );
  t.deepEqual(seqs(forward), [3, 4, 5]);
  t.true(forward.hasMoreBefore);
  t.true(forward.hasMoreAfter);

  const end = await h.client.listMessages(
    { channelId: channel.id, limit: 3, anchor: { case: "afterSeq", value: 10n } },
    alice.call,
  );
  t.deepEqual(seqs(end), []);
  t.true(end.hasMoreBefore, "an empty page still says there is history behind the anchor");
  t.false(end.hasMoreAfter);

  const around = await h.client.listMessages(
    { channelId: channel.id, limit: 5, anchor: { case: "aroundSeq", value: 5n } },
    alice.call,
  );
  t.deepEqual(seqs(around), [3, 4, 5, 6, 7], "limit/2 below, the rest at or above");

  const huge = await h.client.listMessages(
    {
      channelId: channel.id,
      limit: 2,
      anchor: { case: "beforeSeq", value: 18446744073709551615n },
    },
    alice.call,
  );
  t.deepEqual(seqs(huge), [9, 10], "the largest uint64 works as 'the end'");

  const defaults = await h.client.listMessages({ channelId: channel.id }, alice.call);
  t.is(defaults.messages.length, 10);
});

test("threads: replies have their own view, counters on the root, and rules", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "threads", { members: [bob] });
  const root = await send(h.client, alice, channel.id, "root");
  const top2 = await send(h.client, alice, channel.id, "another top-level");
  h.clock.advance(1000);
  const r1 = await send(h.client, bob, channel.id, "reply 1", root.id);
  h.clock.advance(1000);
  const r2 = await send(h.client, alice, channel.id, "reply 2", root.id);
  t.is(r1.threadRootId, root.id);

  const top = await h.client.listMessages({ channelId: channel.id }, alice.call);
  t.deepEqual(
    top.messages.map((m) => m.id),
    [root.id, top2.id],
    "replies are left out of the channel view",
  );
  t.is(top.messages[0]?.replyCount, 2);
  t.deepEqual(top.messages[0]?.lastReplyAt, r2.createdAt);

  const thread = await h.client.listMessages(
    { channelId: channel.id, threadRootId: root.id },
    bob.call,
  );
  t.deepEqual(
    thread.messages.map((m) => m.id),
    [r1.id, r2.id],
  );
  t.is(thread.threadRoot?.id, root.id);

  const aroundReply = await rejection(() =>
    h.client.listMessages(
      { channelId: channel.id, anchor: { case: "aroundMessageId", value: r1.id } },
      alice.call,
    ),
  );
  t.is(aroundReply.code, Code.InvalidArgument, "a reply is not in the channel view");
  const aroundRoot = await h.client.listMessages(
    {
      channelId: channel.id,
      threadRootId: root.id,
      anchor: { case: "aroundMessageId", value: r2.id },
    },
    alice.call,
  );
  t.deepEqual(
    aroundRoot.messages.map((m) => m.id),
    [r1.id, r2.id],
  );
  const aroundUnknown = await rejection(() =>
    h.client.listMessages(
      {
        channelId: channel.id,
        anchor: { case: "aroundMessageId", value: "7d444840-9dc0-11d1-b245-5ffdce74fad2" },
      },
      alice.call,
    ),
  );
  t.is(aroundUnknown.code, Code.NotFound);
  const replyAsRoot = await rejection(() =>
    h.client.listMessages({ channelId: channel.id, threadRootId: r1.id }, alice.call),
  );
  t.is(replyAsRoot.code, Code.NotFound);

  const replyToReply = await rejection(() => send(h.client, alice, channel.id, "x", r1.id));
  t.is(replyToReply.code, Code.FailedPrecondition);
  const elsewhere = await createChannel(h.client, alice, "elsewhere");
  const foreignRoot = await rejection(() => send(h.client, alice, elsewhere.id, "x", root.id));
  t.is(foreignRoot.code, Code.NotFound);

  await h.client.deleteMessage({ channelId: channel.id, messageId: r2.id }, alice.call);
  const afterDelete = await h.client.getMessage(
    { channelId: channel.id, messageId: root.id },
    alice.call,
  );
  t.is(afterDelete.message?.replyCount, 1, "deleted replies are not counted");
  t.deepEqual(afterDelete.message?.lastReplyAt, r1.createdAt);

  await h.client.deleteMessage({ channelId: channel.id, messageId: root.id }, alice.call);
  const tombstoneRoot = await h.client.listMessages(
    { channelId: channel.id, threadRootId: root.id },
    alice.call,
  );
  t.is(tombstoneRoot.threadRoot?.replyCount, 1, "a deleted root keeps its replies and counters");
  t.is(tombstoneRoot.messages.length, 2);
  const replyToDeleted = await rejection(() => send(h.client, bob, channel.id, "late", root.id));
  t.is(replyToDeleted.code, Code.FailedPrecondition);
});

test("notifications outlive the Send: they do not run under its deadline", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, alice, "deadlines", { members: [bob] });
  await h.messaging.notificationsSent();
  h.notifier.sent.length = 0;
  h.users.usernameLookupDeadlines.length = 0;
  await h.client.sendMessage(
    { channelId: channel.id, text: "hi @bob", idempotencyKey: key() },
    { headers: { ...alice.call.headers, "grpc-timeout": "5S" } },
  );
  // Control: the Send itself ran under the deadline (its mention lookup saw it).
  t.not(h.users.usernameLookupDeadlines.length, 0, "the Send looked up the mentioned name");
  t.true(
    h.users.usernameLookupDeadlines.every((deadline) => deadline !== undefined),
    "the Send ran without its grpc-timeout deadline",
  );
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.to(bob.id).map((n) => n.kind),
    ["mention"],
  );
  t.true(h.notifier.deadlines.length > 0);
  t.deepEqual(
    h.notifier.deadlines.filter((deadline) => deadline !== undefined),
    [],
    "Notify ran with the Send's deadline",
  );
});

test("edit: the author only, re-resolving mentions and notifying the newly mentioned", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const carol = h.person("carol");
  const channel = await createChannel(h.client, alice, "edits", { members: [bob, carol] });
  await h.messaging.notificationsSent();
  h.notifier.sent.length = 0;
  const message = await send(h.client, alice, channel.id, "hi @bob");
  t.deepEqual(message.mentionedUserIds, [bob.id]);
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.to(bob.id).map((n) => n.kind),
    ["mention"],
  );

  const denied = await rejection(() =>
    h.client.editMessage(
      { channelId: channel.id, messageId: message.id, text: "hacked" },
      bob.call,
    ),
  );
  t.is(denied.code, Code.PermissionDenied);

  h.clock.advance(60_000);
  const edited = await h.client.editMessage(
    { channelId: channel.id, messageId: message.id, text: "hi @bob and @carol" },
    alice.call,
  );
  t.is(edited.message?.text, "hi @bob and @carol");
  t.deepEqual(edited.message?.mentionedUserIds, [bob.id, carol.id]);
  t.is(Number(edited.message?.editedAt?.seconds) * 1000, h.clock.now());
  await h.messaging.notificationsSent();
  t.is(h.notifier.to(bob.id).length, 1, "already mentioned people are not notified again");
  t.deepEqual(
    h.notifier.to(carol.id).map((n) => n.kind),
    ["mention"],
  );

  await h.client.deleteMessage({ channelId: channel.id, messageId: message.id }, alice.call);
  const deleted = await rejection(() =>
    h.client.editMessage({ channelId: channel.id, messageId: message.id, text: "x" }, alice.call),
  );
  t.is(deleted.code, Code.FailedPrecondition);
});

test("delete: author, owner or admin; leaves a tombstone; deleting twice returns it", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const alice = h.person("alice");
  const bob = h.person("bob");
  const admin = h.person("root", "admin");
  const channel = await createChannel(h.client, owner, "mod", { members: [alice, bob] });
  const m1 = await send(h.client, alice, channel.id, "one @bob");
  const m2 = await send(h.client, alice, channel.id, "two");
  const m3 = await send(h.client, alice, channel.id, "three");
  await h.client.addReaction({ channelId: channel.id, messageId: m1.id, emoji: "👍" }, bob.call);

  const byOther = await rejection(() =>
    h.client.deleteMessage({ channelId: channel.id, messageId: m1.id }, bob.call),
  );
  t.is(byOther.code, Code.PermissionDenied);

  const tomb = await h.client.deleteMessage(
    { channelId: channel.id, messageId: m1.id },
    alice.call,
  );
  t.is(tomb.message?.text, "");
  t.deepEqual(tomb.message?.mentionedUserIds, []);
  t.deepEqual(tomb.message?.reactions, []);
  t.is(tomb.message?.seq, m1.seq);
  t.is(tomb.message?.authorUserId, alice.id);
  t.truthy(tomb.message?.deletedAt);
  const twice = await h.client.deleteMessage(
    { channelId: channel.id, messageId: m1.id },
    alice.call,
  );
  t.deepEqual(twice.message?.deletedAt, tomb.message?.deletedAt);

  await h.client.deleteMessage({ channelId: channel.id, messageId: m2.id }, owner.call);
  await h.client.deleteMessage({ channelId: channel.id, messageId: m3.id }, admin.call);
  const history = await h.client.listMessages({ channelId: channel.id }, bob.call);
  t.deepEqual(
    history.messages.map((m) => [Number(m.seq), m.text, m.deletedAt !== undefined]),
    [
      [1, "", true],
      [2, "", true],
      [3, "", true],
    ],
    "tombstones keep their place: no gaps in the view",
  );
  const outsider = h.person();
  const notMember = await rejection(() =>
    h.client.deleteMessage({ channelId: channel.id, messageId: m1.id }, outsider.call),
  );
  t.is(notMember.code, Code.PermissionDenied);
});

test("mentions resolve known members in order of first mention, once each", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const carol = h.person("carol");
  h.person("dave");
  const channel = await createChannel(h.client, alice, "m", { members: [bob, carol] });
  await h.messaging.notificationsSent();
  h.notifier.sent.length = 0;
  const message = await send(
    h.client,
    alice,
    channel.id,
    "@Carol, @bob, @carol again, @dave (not here), @nobody, mail bob@example.com, and @alice.",
  );
  t.deepEqual(message.mentionedUserIds, [carol.id, bob.id, alice.id]);
  t.is(
    message.text,
    "@Carol, @bob, @carol again, @dave (not here), @nobody, mail bob@example.com, and @alice.",
  );
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.sent.map((n) => [n.kind, [...n.recipientIds].sort()]),
    [["mention", [carol.id, bob.id].sort()]],
    "the author is never notified, non-members are not mentioned",
  );
});

test("when auth is down, messages are still sent, without mentions", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, alice, "m", { members: [bob] });
  h.users.failing = true;
  const message = await send(h.client, alice, channel.id, "hey @bob");
  t.deepEqual(message.mentionedUserIds, []);
  t.true(h.logger.has(/mentions not resolved/));
});

test("replies notify the root author and earlier repliers; mention beats reply", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const carol = h.person("carol");
  const channel = await createChannel(h.client, alice, "t", { members: [bob, carol] });
  const root = await send(h.client, alice, channel.id, "question");
  await send(h.client, bob, channel.id, "answer", root.id);
  await h.messaging.notificationsSent();
  h.notifier.sent.length = 0;
  const reply = await send(h.client, carol, channel.id, "me too @bob", root.id);
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.sent.map((n) => [n.kind, n.recipientIds, n.idempotencyKey]),
    [
      ["mention", [bob.id], `mention:${reply.id}`],
      ["reply", [alice.id], `reply:${reply.id}`],
    ],
  );
  t.is(h.notifier.sent[0]?.threadRootId, root.id);
  t.regex(h.notifier.sent[0]?.title ?? "", /^carol mentioned you in #t$/);
});

test("idempotent send: a retried key returns the original and stores one message and one event", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "idem");
  const k = key();
  const request = { channelId: channel.id, text: "once", idempotencyKey: k };
  const first = await h.client.sendMessage(request, alice.call);
  const offsetAfterFirst = (await h.messaging.store.events.heads([channel.id])).get(channel.id);
  const retried = await h.client.sendMessage(request, alice.call);
  t.is(retried.message?.id, first.message?.id);
  t.is(retried.message?.seq, first.message?.seq);
  t.is(retried.message?.idempotencyKey, k);
  const offsetAfterRetry = (await h.messaging.store.events.heads([channel.id])).get(channel.id);
  t.deepEqual(offsetAfterRetry, offsetAfterFirst, "no second event");
  const history = await h.client.listMessages({ channelId: channel.id }, alice.call);
  t.is(history.messages.length, 1);

  const different = await rejection(() =>
    h.client.sendMessage({ ...request, text: "something else" }, alice.call),
  );
  t.is(different.code, Code.AlreadyExists);
  const bob = h.person();
  await h.client.joinChannel({ channelId: channel.id }, bob.call);
  const otherUser = await h.client.sendMessage(request, bob.call);
  t.not(otherUser.message?.id, first.message?.id, "keys are scoped to the caller");

  await h.client.editMessage(
    { channelId: channel.id, messageId: first.message?.id ?? "", text: "edited" },
    alice.call,
  );
  const afterEdit = await h.client.sendMessage(request, alice.call);
  t.is(afterEdit.message?.id, first.message?.id, "a retry after an edit still matches");
});

test("concurrent retries with one key create exactly one message", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "race");
  const request = { channelId: channel.id, text: "only once", idempotencyKey: key() };
  const results = await Promise.all(
    Array.from({ length: 8 }, () => h.client.sendMessage(request, alice.call)),
  );
  t.is(new Set(results.map((r) => r.message?.id)).size, 1);
  const history = await h.client.listMessages({ channelId: channel.id }, alice.call);
  t.is(history.messages.length, 1);
  const head = (await h.messaging.store.events.heads([channel.id])).get(channel.id);
  t.is(head?.offset, 2, "one membership event and one message event");
});

test("idempotency keys are remembered at least 24 hours, then pruned", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "keys");
  const request = { channelId: channel.id, text: "x", idempotencyKey: key() };
  const first = await h.client.sendMessage(request, alice.call);
  h.clock.advance(24 * 3_600_000);
  await h.messaging.housekeeping();
  t.is((await h.client.sendMessage(request, alice.call)).message?.id, first.message?.id);
  h.clock.advance(h.config.idempotencyTtlMs);
  await h.messaging.housekeeping();
  const later = await h.client.sendMessage(request, alice.call);
  t.not(later.message?.id, first.message?.id, "past the TTL the key is new again");
});

test("reactions: add/remove are idempotent, counted per emoji, relative to the caller", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "react", { members: [bob] });
  const message = await send(h.client, alice, channel.id, "react to me");
  const ids = { channelId: channel.id, messageId: message.id };

  await h.client.addReaction({ ...ids, emoji: "👍🏽" }, alice.call);
  await h.client.addReaction({ ...ids, emoji: ":party_parrot:" }, alice.call);
  const bobs = await h.client.addReaction({ ...ids, emoji: "👍🏽" }, bob.call);
  t.deepEqual(
    bobs.reactions.map((r) => [r.emoji, r.count, r.reactedByMe]),
    [
      ["👍🏽", 2, true],
      [":party_parrot:", 1, false],
    ],
    "one entry per emoji, in the order first added, relative to the caller",
  );
  const again = await h.client.addReaction({ ...ids, emoji: "👍🏽" }, bob.call);
  t.is(again.reactions[0]?.count, 2, "adding twice changes nothing");
  const removed = await h.client.removeReaction({ ...ids, emoji: "👍🏽" }, alice.call);
  t.deepEqual(
    removed.reactions.map((r) => [r.emoji, r.count, r.reactedByMe]),
    [
      ["👍🏽", 1, false],
      [":party_parrot:", 1, true],
    ],
  );
  await h.client.removeReaction({ ...ids, emoji: "🎉" }, alice.call);
  t.pass("removing a reaction one does not have succeeds");
  const got = await h.client.getMessage(ids, bob.call);
  t.deepEqual(
    got.message?.reactions.map((r) => [r.emoji, r.reactedByMe]),
    [
      ["👍🏽", true],
      [":party_parrot:", false],
    ],
  );

  for (const bad of ["a", "👍👍", "hello", ":no spaces:"]) {
    const err = await rejection(() => h.client.addReaction({ ...ids, emoji: bad }, alice.call));
    t.is(err.code, Code.InvalidArgument, bad);
  }
});

test("reactions: at most 20 distinct emojis; none on deleted messages", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const channel = await createChannel(h.client, alice, "many");
  const message = await send(h.client, alice, channel.id, "so popular");
  const ids = { channelId: channel.id, messageId: message.id };
  for (let i = 0; i < 20; i++) await h.client.addReaction({ ...ids, emoji: `:e${i}:` }, alice.call);
  const full = await rejection(() => h.client.addReaction({ ...ids, emoji: ":e20:" }, alice.call));
  t.is(full.code, Code.FailedPrecondition);
  const bob = h.person();
  await h.client.joinChannel({ channelId: channel.id }, bob.call);
  const existing = await h.client.addReaction({ ...ids, emoji: ":e3:" }, bob.call);
  t.is(existing.reactions.length, 20, "an emoji already there can still be added");

  await h.client.deleteMessage(ids, alice.call);
  const deleted = await rejection(() => h.client.addReaction({ ...ids, emoji: "👍" }, alice.call));
  t.is(deleted.code, Code.FailedPrecondition);
});

test("sending too fast is resource_exhausted with retry-after; retries of sent messages are not counted", async (t) => {
  const h = await startMessaging(t, {
    config: testConfig({ sendLimit: { limit: 3, windowMs: 10_000 } }),
  });
  const alice = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, alice, "fast", { members: [bob] });
  const first = { channelId: channel.id, text: "1", idempotencyKey: key() };
  await h.client.sendMessage(first, alice.call);
  await send(h.client, alice, channel.id, "2");
  h.clock.advance(4_000);
  await send(h.client, alice, channel.id, "3");
  const limited = await rejection(() => send(h.client, alice, channel.id, "4"));
  t.is(limited.code, Code.ResourceExhausted);
  t.is(limited.metadata.get("retry-after"), "6");
  const retry = await h.client.sendMessage(first, alice.call);
  t.is(retry.message?.text, "1", "a retry of a stored message is answered despite the limit");
  await send(h.client, bob, channel.id, "bob is not limited by alice");
  h.clock.advance(6_000);
  await send(h.client, alice, channel.id, "4");
  t.pass();
});

test("an instance with as many sends in hand as it takes refuses more with resource_exhausted and retry-after", async (t) => {
  // Mention lookups wait on a gate, so sends stay in hand as long as the test wants.
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let directory: UserDirectory | undefined;
  const gated: UserDirectory = {
    lookupByIds: (ids) => directory?.lookupByIds(ids) ?? Promise.resolve(new Map()),
    lookupByUsernames: async (names) => {
      await gate;
      return directory?.lookupByUsernames(names) ?? new Map();
    },
  };
  const h = await startMessaging(t, {
    config: testConfig({ maxSendsInFlight: 2 }),
    extra: { users: gated },
  });
  directory = h.users;
  const alice = h.person("alice");
  h.person("bob");
  const channel = await createChannel(h.client, alice, "busy-instance");
  const held = [1, 2].map((n) =>
    h.client.sendMessage(
      { channelId: channel.id, text: `@bob number ${n}`, idempotencyKey: key() },
      alice.call,
    ),
  );
  await waitUntil(
    () => h.messaging.admit(MessagingService.method.sendMessage) !== undefined,
    "both sends in hand",
  );
  const retryKey = key();
  const refused = await rejection(() =>
    h.client.sendMessage(
      { channelId: channel.id, text: "the third", idempotencyKey: retryKey },
      alice.call,
    ),
  );
  t.is(refused.code, Code.ResourceExhausted);
  t.is(refused.metadata.get("retry-after"), "1");
  // serve() asks the same question before reading a call (load shedding): only SendMessage.
  const shed = h.messaging.admit(MessagingService.method.sendMessage);
  t.is(shed?.code, Code.ResourceExhausted);
  t.is(shed?.metadata.get("retry-after"), "1");
  t.is(h.messaging.admit(MessagingService.method.listMessages), undefined);
  open();
  const sent = await Promise.all(held);
  t.deepEqual(
    sent.map((r) => r.message?.seq),
    [1n, 2n],
  );
  // Retried (same key) once the instance has room: stored once, after the others.
  const retried = await h.client.sendMessage(
    { channelId: channel.id, text: "the third", idempotencyKey: retryKey },
    alice.call,
  );
  t.is(retried.message?.seq, 3n);
  t.is(h.messaging.admit(MessagingService.method.sendMessage), undefined, "room again");
});

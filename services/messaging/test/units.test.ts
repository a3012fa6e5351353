import { RecoveryStatus, ResetReason } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { EventQueue } from "@parley/mesh";
import test from "ava";
import { BackgroundWork } from "../src/background-work.js";
import { isReactionEmoji } from "../src/emoji.js";
import { decideRecovery } from "../src/live/recovery.js";
import { frameUserEvent, unframeUserEvent } from "../src/live/topics.js";
import { mentionCandidates, resolveMentions } from "../src/mentions.js";
import { newMessageId } from "../src/message-id.js";
import { planInvite, planMessageNotifications } from "../src/notifications.js";
import { decodePageToken, encodePageToken } from "../src/page-token.js";
import type { ChannelRecord, MessageRecord, StoredEvent } from "../src/ports.js";
import { FakeDirectory } from "./helpers/harness.js";

test("mention candidates: handles, case, trailing punctuation, emails and duplicates", (t) => {
  t.deepEqual(mentionCandidates("hi @Alice and @bob.smith, cc @alice; mail x@y.com @c.d."), [
    ["alice", undefined],
    ["bob.smith", undefined],
    ["c.d.", "c.d"],
  ]);
  t.deepEqual(mentionCandidates("thanks @carol."), [["carol.", "carol"]]);
  t.deepEqual(mentionCandidates("no mentions here, just email@example.com"), []);
  t.deepEqual(mentionCandidates("(@dave)"), [["dave", undefined]]);
});

test("resolveMentions keeps the order of first mention and ignores unknown names", async (t) => {
  const users = new FakeDirectory();
  const carol = users.add("carol");
  const bob = users.add("bob");
  t.deepEqual(await resolveMentions("@nobody @Carol. then @bob and @carol", users), [
    carol.id,
    bob.id,
  ]);
  t.is(users.calls, 1, "one lookup per message");
  t.deepEqual(await resolveMentions("nothing", users), []);
  t.is(users.calls, 1, "no lookup without mentions");
});

test("reaction emojis: single emoji graphemes or :short_codes:", (t) => {
  for (const ok of ["👍", "👍🏽", "👩‍👩‍👧", "🇫🇷", "❤️", "1️⃣", ":party_parrot:", ":+1:"]) {
    t.true(isReactionEmoji(ok), ok);
  }
  for (const bad of ["", "a", "1", "👍👍", "hi👍", ": x:", "::", "🇫🇷🇩🇪", "<script>"]) {
    t.false(isReactionEmoji(bad), bad);
  }
});

test("page tokens round-trip only within their listing and shape", (t) => {
  const token = encodePageToken("members|c1", [0, 1234, "user"]);
  t.deepEqual(decodePageToken(token, "members|c1", ["number", "number", "string"]), [
    0,
    1234,
    "user",
  ]);
  t.is(decodePageToken(token, "members|c2", ["number", "number", "string"]), undefined);
  t.is(decodePageToken(token, "members|c1", ["string"]), undefined);
  t.is(decodePageToken(token, "members|c1", ["string", "number", "string"]), undefined);
  t.is(decodePageToken("!!", "members|c1", ["string"]), undefined);
  t.is(decodePageToken("e30", "members|c1", ["string"]), undefined, "valid base64, wrong JSON");
  t.is(decodePageToken("a".repeat(600), "x", ["string"]), undefined);
});

test("recovery decisions follow events.proto", async (t) => {
  const stored = (offset: number, createdAt = 10_000): StoredEvent => ({
    channelId: "c",
    epoch: "e",
    offset,
    createdAt,
    bytes: new Uint8Array(),
  });
  const log = (events: StoredEvent[]) => ({
    readEvents: async (_: string, after: number, limit: number) =>
      events.filter((e) => e.offset > after).slice(0, limit),
  });
  const base = {
    channelId: "c",
    head: { epoch: "e", offset: 10 },
    joinedOffset: 1,
    window: { maxEvents: 5, notBefore: 5_000 },
    log: log([6, 7, 8, 9, 10].map((o) => stored(o))),
  };
  const decide = (extra: Partial<Parameters<typeof decideRecovery>[0]>) =>
    decideRecovery({ ...base, position: undefined, ...extra });

  t.deepEqual(await decide({}), {
    status: RecoveryStatus.NEW,
    reason: ResetReason.UNSPECIFIED,
    from: 10,
  });
  t.like(await decide({ position: { epoch: "x", offset: 3 } }), {
    status: RecoveryStatus.RESET,
    reason: ResetReason.EPOCH_CHANGED,
    from: 10,
  });
  t.like(await decide({ position: { epoch: "e", offset: 11 } }), {
    reason: ResetReason.POSITION_AHEAD,
  });
  t.like(await decide({ position: { epoch: "e", offset: 10 } }), {
    status: RecoveryStatus.RECOVERED,
    from: 10,
  });
  t.like(await decide({ position: { epoch: "e", offset: 5 } }), {
    status: RecoveryStatus.RECOVERED,
    from: 5,
  });
  t.like(await decide({ position: { epoch: "e", offset: 4 } }), {
    reason: ResetReason.TOO_FAR_BEHIND,
  });
  t.like(
    await decide({
      position: { epoch: "e", offset: 5 },
      log: log([stored(6, 4_000), stored(7)]),
    }),
    { reason: ResetReason.TOO_FAR_BEHIND },
    "an event older than the window is as good as gone",
  );
  t.like(
    await decide({ position: { epoch: "e", offset: 5 }, log: log([stored(7)]) }),
    { reason: ResetReason.TOO_FAR_BEHIND },
    "the first missing event was pruned",
  );
  t.like(
    await decide({ position: { epoch: "e", offset: 6 }, joinedOffset: 8 }),
    { reason: ResetReason.TOO_FAR_BEHIND },
    "positions from before the current membership",
  );
  t.like(await decide({ position: { epoch: "e", offset: 7 }, joinedOffset: 8 }), {
    status: RecoveryStatus.RECOVERED,
  });
});

test("the event queue applies back-pressure and ends with or without an error", async (t) => {
  const queue = new EventQueue<number>(2);
  await queue.push(1);
  await queue.push(2);
  t.false(queue.tryPush(3));
  let pushed = false;
  const blocked = queue.push(3).then(() => {
    pushed = true;
  });
  await Promise.resolve();
  t.false(pushed, "a full queue makes the producer wait");
  const reader = queue.drain();
  t.is((await reader.next()).value, 1);
  await blocked;
  t.true(pushed);
  queue.end();
  t.deepEqual([(await reader.next()).value, (await reader.next()).value], [2, 3]);
  t.true((await reader.next()).done, "a clean end drains what was queued");

  const failing = new EventQueue<number>(4);
  await failing.push(1);
  failing.end(new Error("boom"));
  await t.throwsAsync(failing.drain().next(), { message: "boom" });
  t.throws(() => new EventQueue(0));
});

test("user-event frames carry the user id and the event bytes", (t) => {
  const frame = frameUserEvent("user-1", new Uint8Array([1, 2, 3]));
  const back = unframeUserEvent(frame);
  t.is(back?.userId, "user-1");
  t.deepEqual([...(back?.event ?? [])], [1, 2, 3]);
  t.is(unframeUserEvent(new Uint8Array([9, 1, 65])), undefined, "unknown version");
  t.is(unframeUserEvent(new Uint8Array([1, 200, 65])), undefined, "truncated");
});

test("notification planning: one per person, mention before direct before reply, never the author", (t) => {
  const channel: ChannelRecord = {
    id: "c",
    kind: "direct",
    name: "",
    topic: "",
    createdBy: "a",
    createdAt: 0,
    updatedAt: 0,
    archivedAt: null,
    memberCount: 3,
    participantIds: ["a", "b", "c"],
    lastMessageSeq: 1,
    lastMessageAt: 0,
    epoch: "e",
    lastOffset: 1,
  };
  const message: MessageRecord = {
    id: "m",
    channelId: "c",
    seq: 1,
    authorId: "a",
    text: "x".repeat(1500),
    threadRootId: "r",
    mentionedUserIds: ["b", "a"],
    replyCount: 0,
    lastReplyAt: null,
    idempotencyKey: "k",
    createdAt: 0,
    editedAt: null,
    deletedAt: null,
    deletedBy: null,
  };
  const planned = planMessageNotifications({
    message,
    channel,
    authorName: "alice",
    mentioned: message.mentionedUserIds,
    directParticipants: ["a", "b", "c"],
    threadParticipants: ["a", "b", "c", "d"],
  });
  t.deepEqual(
    planned.map((n) => [n.kind, n.recipientIds, n.idempotencyKey]),
    [
      ["mention", ["b"], "mention:m"],
      ["direct_message", ["c"], "direct_message:m"],
      ["reply", ["d"], "reply:m"],
    ],
  );
  t.is([...(planned[0]?.body ?? "")].length, 1000, "bodies are clipped to the contract's limit");
  t.is(planned[0]?.title, "alice mentioned you in a direct message");
  t.is(planned[0]?.link, "/channels/c?message=m&thread=r");
  t.is(
    planInvite({ channel, offset: 7, recipients: ["a"], actorId: "a", actorName: "alice" }),
    undefined,
    "nobody is invited by themselves",
  );
  t.is(
    planInvite({ channel, offset: 7, recipients: ["b"], actorId: "a", actorName: "alice" })
      ?.idempotencyKey,
    `invite:${channel.id}:7`,
    "an invite's key names the membership change that made it",
  );
});

test("background work: settled() waits for what was started, and for what it started meanwhile", async (t) => {
  const work = new BackgroundWork();
  await work.settled();
  const done: string[] = [];
  let release: () => void = () => {};
  work.add(
    new Promise<void>((resolve) => {
      release = resolve;
    }).then(() => {
      done.push("first");
      work.add(Promise.resolve().then(() => void done.push("second")));
    }),
  );
  let settled = false;
  const waiting = work.settled().then(() => {
    settled = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.false(settled, "the first is still running");
  release();
  await waiting;
  t.deepEqual(done, ["first", "second"]);
});

test("message ids are UUIDv7: the send's time in the first 48 bits, then random bits", (t) => {
  const now = Date.UTC(2026, 10, 22, 7, 0, 0, 123);
  const ids = Array.from({ length: 200 }, () => newMessageId(now));
  for (const id of ids) {
    t.regex(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    t.is(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16), now);
  }
  t.is(new Set(ids).size, ids.length, "the random bits differ");
  // Later ids sort after earlier ones, as text: what keeps the primary index's inserts at its end.
  const later = newMessageId(now + 1);
  t.true(ids.every((id) => id < later));
  t.is(newMessageId(0).slice(0, 13), "00000000-0000");
});

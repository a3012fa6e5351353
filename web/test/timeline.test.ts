import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { MessagingEventSchema } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { ListMessagesResponseSchema } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import {
  applyReaction,
  applyToTimeline,
  flattenTimeline,
  type TimelinePages,
  upsertMessage,
} from "../src/lib/timeline.js";
import { CH, created, ME, message, OTHER } from "./support/events.js";

const CHANNEL = { channelId: CH, threadRootId: "" };

/** Newest page (seq 4..5) loaded, then an older one (seq 1..3). */
function pages(): TimelinePages {
  return {
    pages: [
      create(ListMessagesResponseSchema, {
        messages: [message({ seq: 4n }), message({ seq: 5n })],
        hasMoreBefore: true,
      }),
      create(ListMessagesResponseSchema, {
        messages: [message({ seq: 1n }), message({ seq: 2n }), message({ seq: 3n })],
      }),
    ],
    pageParams: [{ case: undefined }, { case: "beforeSeq", value: 4n }],
  };
}

const seqs = (data: TimelinePages) => flattenTimeline(data).map((m) => Number(m.seq));

test("history reads oldest first across pages", (t) => {
  t.deepEqual(seqs(pages()), [1, 2, 3, 4, 5]);
});

test("a new message joins the newest page once, in seq order, whatever the arrival order", (t) => {
  let data = applyToTimeline(pages(), created(7n, message({ seq: 7n })), CHANNEL, ME);
  data = applyToTimeline(data, created(6n, message({ seq: 6n })), CHANNEL, ME);
  data = applyToTimeline(data, created(7n, message({ seq: 7n })), CHANNEL, ME);
  data = upsertMessage(data, message({ seq: 7n }));
  t.deepEqual(seqs(data), [1, 2, 3, 4, 5, 6, 7]);
});

test("replies go to their thread's view, and update the root's counters in the channel", (t) => {
  const reply = message({ seq: 6n, threadRootId: "m-4" });
  const event = create(MessagingEventSchema, {
    channelId: CH,
    epoch: "e1",
    offset: 9n,
    payload: {
      case: "messageCreated",
      value: {
        message: reply,
        thread: { rootId: "m-4", rootSeq: 4n, replyCount: 1, lastReplyAt: reply.createdAt },
      },
    },
  });
  const channel = applyToTimeline(pages(), event, CHANNEL, ME);
  t.deepEqual(seqs(channel), [1, 2, 3, 4, 5], "not in the channel's own list");
  t.is(flattenTimeline(channel).find((m) => m.id === "m-4")?.replyCount, 1);
  const thread: TimelinePages = {
    pages: [create(ListMessagesResponseSchema, { threadRoot: message({ seq: 4n }) })],
    pageParams: [{ case: undefined }],
  };
  const next = applyToTimeline(thread, event, { channelId: CH, threadRootId: "m-4" }, ME);
  t.deepEqual(seqs(next), [6]);
  t.is(next.pages[0]?.threadRoot?.replyCount, 1, "the thread view's root too");
});

test("edits and deletes change the message wherever it is loaded; others' channels are ignored", (t) => {
  const edit = create(MessagingEventSchema, {
    channelId: CH,
    epoch: "e1",
    offset: 8n,
    payload: {
      case: "messageEdited",
      value: { messageId: "m-2", seq: 2n, text: "better words", editedAt: timestampFromMs(5) },
    },
  });
  const edited = applyToTimeline(pages(), edit, CHANNEL, ME);
  const m2 = flattenTimeline(edited).find((m) => m.id === "m-2");
  t.is(m2?.text, "better words");
  t.truthy(m2?.editedAt);
  const del = create(MessagingEventSchema, {
    channelId: CH,
    epoch: "e1",
    offset: 9n,
    payload: {
      case: "messageDeleted",
      value: { messageId: "m-2", seq: 2n, authorUserId: OTHER, deletedAt: timestampFromMs(6) },
    },
  });
  const deleted = flattenTimeline(applyToTimeline(edited, del, CHANNEL, ME)).find(
    (m) => m.id === "m-2",
  );
  t.is(deleted?.text, "", "a tombstone keeps no text");
  t.truthy(deleted?.deletedAt);
  const elsewhere = create(MessagingEventSchema, { ...edit, channelId: "other" });
  const same = pages();
  t.is(applyToTimeline(same, elsewhere, CHANNEL, ME), same, "unchanged data keeps its identity");
});

test("reactions: counts are absolute, 'mine' follows the receiving person's own reactions", (t) => {
  let reactions = applyReaction([], "👍", 1, null);
  t.deepEqual(
    reactions.map((r) => [r.emoji, r.count, r.reactedByMe]),
    [["👍", 1, false]],
  );
  reactions = applyReaction(reactions, "🎉", 1, true);
  reactions = applyReaction(reactions, "👍", 2, true);
  reactions = applyReaction(reactions, "👍", 2, true); // the same event twice
  t.deepEqual(
    reactions.map((r) => [r.emoji, r.count, r.reactedByMe]),
    [
      ["👍", 2, true],
      ["🎉", 1, true],
    ],
  );
  reactions = applyReaction(reactions, "👍", 1, false);
  reactions = applyReaction(reactions, "🎉", 0, false);
  t.deepEqual(
    reactions.map((r) => [r.emoji, r.count, r.reactedByMe]),
    [["👍", 1, false]],
  );
  const event = create(MessagingEventSchema, {
    channelId: CH,
    payload: {
      case: "reactionChanged",
      value: { messageId: "m-5", seq: 5n, emoji: "❤️", userId: ME, added: true, count: 3 },
    },
  });
  const m5 = flattenTimeline(applyToTimeline(pages(), event, CHANNEL, ME)).find(
    (m) => m.id === "m-5",
  );
  t.deepEqual(
    m5?.reactions.map((r) => [r.emoji, r.count, r.reactedByMe]),
    [["❤️", 3, true]],
  );
});

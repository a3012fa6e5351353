import { create } from "@bufbuild/protobuf";
import type { MessagingEvent } from "@parley/gen/parley/messaging/v1/events_pb.js";
import {
  type Message,
  type Reaction,
  ReactionSchema,
  type ThreadState,
} from "@parley/gen/parley/messaging/v1/message_pb.js";
import type { ListMessagesResponse } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";

/**
 * A view's history as TanStack Query's infinite query holds it: `pages[0]` is the newest page
 * (the first one loaded), later pages are older ones loaded by scrolling back. Each page is
 * oldest-first, as ListMessages returns it.
 */
export interface TimelinePages {
  pages: ListMessagesResponse[];
  pageParams: unknown[];
}

/** Which view a timeline shows: a channel's top-level messages, or one thread's replies. */
export interface TimelineView {
  readonly channelId: string;
  /** Empty for the channel's top-level messages. */
  readonly threadRootId: string;
}

/**
 * Applies one live event to a view's loaded history and returns the new history, or the same
 * object when the event does not concern it. Events carry absolute state (texts, counts), so
 * applying one twice, or to history that already includes it, changes nothing.
 */
export function applyToTimeline(
  data: TimelinePages,
  event: MessagingEvent,
  view: TimelineView,
  selfUserId: string,
): TimelinePages {
  if (event.channelId !== view.channelId) return data;
  const { payload } = event;
  switch (payload.case) {
    case "messageCreated": {
      const { message, thread } = payload.value;
      let next = data;
      if (message && message.threadRootId === view.threadRootId)
        next = upsertMessage(next, message);
      if (thread) next = applyThreadState(next, thread);
      return next;
    }
    case "messageEdited": {
      const { messageId, text, mentionedUserIds, editedAt } = payload.value;
      return updateMessage(data, messageId, (m) => ({ ...m, text, mentionedUserIds, editedAt }));
    }
    case "messageDeleted": {
      const { messageId, deletedAt, thread } = payload.value;
      const next = updateMessage(data, messageId, (m) => ({
        ...m,
        text: "",
        mentionedUserIds: [],
        reactions: [],
        deletedAt,
      }));
      return thread ? applyThreadState(next, thread) : next;
    }
    case "reactionChanged": {
      const { messageId, emoji, count, userId, added } = payload.value;
      return updateMessage(data, messageId, (m) => ({
        ...m,
        reactions: applyReaction(m.reactions, emoji, count, userId === selfUserId ? added : null),
      }));
    }
    default:
      return data;
  }
}

/**
 * Puts a message into the newest page (SendMessage's answer, or a `message_created` event),
 * unless the view already has it; a newer copy of the same message replaces an older one.
 */
export function upsertMessage(data: TimelinePages, message: Message): TimelinePages {
  for (const page of data.pages) {
    if (page.messages.some((m) => m.id === message.id)) return data;
  }
  const [newest, ...rest] = data.pages;
  if (!newest) return data;
  // A message older than everything loaded belongs to a page not loaded yet.
  const oldestLoaded = data.pages.at(-1)?.messages[0];
  if (oldestLoaded && message.seq < oldestLoaded.seq && data.pages.at(-1)?.hasMoreBefore) {
    return data;
  }
  const messages = [...newest.messages];
  let at = messages.length;
  while (at > 0 && (messages[at - 1]?.seq ?? 0n) > message.seq) at--;
  messages.splice(at, 0, message);
  return { ...data, pages: [{ ...newest, messages }, ...rest] };
}

/** Replaces one message (wherever it is, the thread root included) with `change(message)`. */
export function updateMessage(
  data: TimelinePages,
  messageId: string,
  change: (message: Message) => Message,
): TimelinePages {
  let changed = false;
  const pages = data.pages.map((page) => {
    let pageChanged = false;
    const messages = page.messages.map((m) => {
      if (m.id !== messageId) return m;
      pageChanged = true;
      return change(m);
    });
    let threadRoot = page.threadRoot;
    if (threadRoot?.id === messageId) {
      threadRoot = change(threadRoot);
      pageChanged = true;
    }
    if (!pageChanged) return page;
    changed = true;
    return { ...page, messages, threadRoot };
  });
  return changed ? { ...data, pages } : data;
}

function applyThreadState(data: TimelinePages, thread: ThreadState): TimelinePages {
  return updateMessage(data, thread.rootId, (m) => ({
    ...m,
    replyCount: thread.replyCount,
    lastReplyAt: thread.lastReplyAt,
  }));
}

/**
 * A message's reactions after someone reacted with `emoji` (now `count` people). `mine` is
 * whether the receiving person now has this reaction, or null when someone else reacted.
 * Reactions keep the order in which each emoji was first added.
 */
export function applyReaction(
  reactions: readonly Reaction[],
  emoji: string,
  count: number,
  mine: boolean | null,
): Reaction[] {
  const existing = reactions.find((r) => r.emoji === emoji);
  if (count === 0) return reactions.filter((r) => r.emoji !== emoji);
  if (!existing) {
    return [...reactions, create(ReactionSchema, { emoji, count, reactedByMe: mine ?? false })];
  }
  return reactions.map((r) =>
    r.emoji === emoji ? { ...r, count, reactedByMe: mine ?? r.reactedByMe } : r,
  );
}

/** All loaded messages of a view, oldest first. */
export function flattenTimeline(data: TimelinePages | undefined): Message[] {
  if (!data) return [];
  const out: Message[] = [];
  for (let i = data.pages.length - 1; i >= 0; i--) out.push(...(data.pages[i]?.messages ?? []));
  return out;
}

/** The thread root, when the view is a thread. */
export function threadRootOf(data: TimelinePages | undefined): Message | undefined {
  return data?.pages[0]?.threadRoot;
}

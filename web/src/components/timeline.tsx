import { timestampMs } from "@bufbuild/protobuf/wkt";
import { useInfiniteQuery, useMutation, useTransport } from "@connectrpc/connect-query";
import { type JoinedChannel, MemberRole } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import type { Message } from "@parley/gen/parley/messaging/v1/message_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useLayoutEffect, useMemo, useRef, useSyncExternalStore } from "react";
import { useLiveSync } from "../app/context.js";
import { useLive, usePending, usePresence, useSelfId } from "../app/hooks.js";
import { channelsKey, olderPageParam, timelineInput } from "../app/queries.js";
import { setReadState } from "../lib/channel-list.js";
import { describeError } from "../lib/errors.js";
import { flattenTimeline, threadRootOf } from "../lib/timeline.js";
import { MessageItem, PendingItem } from "./message-item.js";

/** Messages from the same person within five minutes are shown as one group. */
const GROUP_MS = 5 * 60_000;

/**
 * A conversation's history: the newest page first, older pages as the person scrolls up
 * (infinite query), live changes applied by the stream, and the person's unsent messages at
 * the bottom. The scroller is bottom-anchored (column-reverse), so older pages load above
 * without moving what is on screen and new messages stay in view.
 */
export function Timeline({
  joined,
  threadRootId = "",
  title,
  beginning,
}: {
  joined: JoinedChannel;
  threadRootId?: string;
  title: string;
  /** Shown above the first message once the whole history is loaded. */
  beginning?: string;
}) {
  const channelId = joined.channel?.id ?? "";
  const selfId = useSelfId();
  const status = useLive((s) => s.status);
  const query = useInfiniteQuery(
    MessagingService.method.listMessages,
    timelineInput(channelId, threadRootId),
    {
      pageParamKey: "anchor",
      getNextPageParam: (oldest) => olderPageParam(oldest),
      // Kept current by the stream; reloaded only when the stream says so (reset).
      staleTime: Number.POSITIVE_INFINITY,
      // Subscribe first, then load (events.proto), so nothing falls between the two.
      enabled: status !== "connecting",
    },
  );
  const messages = useMemo(() => flattenTimeline(query.data), [query.data]);
  const root = threadRootOf(query.data);
  const pending = usePending(channelId, threadRootId);
  const { sendQueue } = useLiveSync();
  // A pending message the history already holds was stored (before a reload, its answer lost).
  useEffect(() => {
    for (const item of pending) {
      if (messages.some((m) => m.idempotencyKey === item.key && m.authorUserId === selfId)) {
        sendQueue.confirm(item.key);
      }
    }
  }, [pending, messages, selfId, sendQueue]);
  const authors = useMemo(
    () => [...new Set([...(root ? [root] : []), ...messages].map((m) => m.authorUserId))],
    [messages, root],
  );
  const presence = usePresence(authors);
  const canModerate = joined.role === MemberRole.OWNER;

  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef({ hasNext: false, fetching: false, fetchNext: () => {} });
  more.current = {
    hasNext: !!query.hasNextPage,
    fetching: query.isFetchingNextPage,
    fetchNext: () => void query.fetchNextPage(),
  };
  useEffect(() => {
    const root = scroller.current;
    const target = sentinel.current;
    if (!root || !target) return;
    const observer = new IntersectionObserver(
      (entries) => {
        const m = more.current;
        if (entries.some((e) => e.isIntersecting) && m.hasNext && !m.fetching) m.fetchNext();
      },
      { root, rootMargin: "400px 0px 0px 0px" },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, []);
  // After each page: if the top of the history is still in (or near) view, for instance because
  // the page did not fill the screen or the person is already at the top, load the next one.
  // (The observer only reports changes, and the sentinel may never have left the view.)
  useEffect(() => {
    const root = scroller.current;
    const target = sentinel.current;
    if (!root || !target || !query.hasNextPage || query.isFetchingNextPage || query.isPending) {
      return;
    }
    if (target.getBoundingClientRect().bottom >= root.getBoundingClientRect().top - 400) {
      void query.fetchNextPage();
    }
  }, [query.hasNextPage, query.isFetchingNextPage, query.isPending, query.fetchNextPage]);
  // One's own new message brings the view back to the bottom.
  const pendingCount = pending.length;
  useLayoutEffect(() => {
    if (pendingCount > 0 && scroller.current) scroller.current.scrollTop = 0;
  }, [pendingCount]);

  useMarkRead(joined, threadRootId ? undefined : messages.at(-1));

  const label = threadRootId ? `Replies in thread` : `Messages in ${title}`;
  return (
    <div className="timeline-scroll" ref={scroller}>
      <div className="timeline-inner">
        <div ref={sentinel} className="sentinel" />
        {query.isError && (
          <div className="timeline-note error" role="alert">
            {describeError(query.error).message}{" "}
            <button type="button" className="link" onClick={() => void query.refetch()}>
              Try again
            </button>
          </div>
        )}
        {query.hasNextPage ? (
          <div className="timeline-note">
            <button
              type="button"
              className="link"
              onClick={() => void query.fetchNextPage()}
              disabled={query.isFetchingNextPage}
            >
              {query.isFetchingNextPage ? "Loading older messages…" : "Load older messages"}
            </button>
          </div>
        ) : query.isSuccess && !threadRootId ? (
          <div className="timeline-start">
            <h2>{title}</h2>
            <p>{beginning ?? `This is the very beginning of ${title}.`}</p>
          </div>
        ) : null}
        {query.isPending && <div className="timeline-note">Loading messages…</div>}
        {root && (
          <div className="thread-root">
            <ol className="messages" aria-label="Thread start">
              <MessageItem
                message={root}
                channelId={channelId}
                selfId={selfId}
                canModerate={canModerate}
                inThread
                presence={presence.get(root.authorUserId)}
                grouped={false}
              />
            </ol>
            <div className="thread-divider">
              {root.replyCount} {root.replyCount === 1 ? "reply" : "replies"}
            </div>
          </div>
        )}
        <ol className="messages" aria-label={label}>
          {messages.map((message, i) => (
            <MessageItem
              key={message.id}
              message={message}
              channelId={channelId}
              selfId={selfId}
              canModerate={canModerate}
              inThread={!!threadRootId}
              presence={presence.get(message.authorUserId)}
              grouped={groupedWith(messages[i - 1], message)}
            />
          ))}
          {pending.map((item, i) => (
            <PendingItem
              key={item.key}
              item={item}
              selfId={selfId}
              grouped={i > 0 || messages.at(-1)?.authorUserId === selfId}
            />
          ))}
        </ol>
      </div>
    </div>
  );
}

function groupedWith(previous: Message | undefined, message: Message): boolean {
  if (!previous || previous.authorUserId !== message.authorUserId) return false;
  if (previous.deletedAt || !previous.createdAt || !message.createdAt) return false;
  return timestampMs(message.createdAt) - timestampMs(previous.createdAt) < GROUP_MS;
}

function subscribeVisibility(fn: () => void): () => void {
  document.addEventListener("visibilitychange", fn);
  window.addEventListener("focus", fn);
  return () => {
    document.removeEventListener("visibilitychange", fn);
    window.removeEventListener("focus", fn);
  };
}

/** Marks the channel read up to its newest message while the page is visible. */
function useMarkRead(joined: JoinedChannel, newest: Message | undefined): void {
  const visible = useSyncExternalStore(
    subscribeVisibility,
    () => document.visibilityState === "visible",
  );
  const queryClient = useQueryClient();
  const transport = useTransport();
  const marked = useRef(0n);
  const markRead = useMutation(MessagingService.method.markRead, {
    onSuccess: (res) => {
      const readState = res.readState;
      if (!readState) return;
      queryClient.setQueryData(channelsKey(transport), (data) =>
        data ? setReadState(data, readState) : data,
      );
    },
  });
  const channelId = joined.channel?.id ?? "";
  const lastRead = joined.readState?.lastReadSeq ?? 0n;
  const unread = joined.readState?.unreadCount ?? 0;
  const seq = newest?.seq ?? 0n;
  const { mutate } = markRead;
  useEffect(() => {
    if (!visible || seq === 0n || marked.current >= seq) return;
    if (seq <= lastRead && unread === 0) return;
    marked.current = seq;
    mutate({ channelId, seq });
  }, [visible, seq, lastRead, unread, channelId, mutate]);
}

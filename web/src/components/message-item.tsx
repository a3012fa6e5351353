import { useMutation, useTransport } from "@connectrpc/connect-query";
import type { Message } from "@parley/gen/parley/messaging/v1/message_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import { useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, memo, useEffect, useId, useRef, useState } from "react";
import { useLiveSync } from "../app/context.js";
import { displayName, useUser } from "../app/hooks.js";
import { timelineKey } from "../app/queries.js";
import { navigate } from "../app/router.js";
import { describeError } from "../lib/errors.js";
import { formatTime, isoTime, splitMentions } from "../lib/format.js";
import type { PendingMessage } from "../lib/send-queue.js";
import { type TimelinePages, updateMessage } from "../lib/timeline.js";
import { Avatar } from "./avatar.js";
import { IconButton } from "./icon-button.js";
import { EditIcon, ReplyIcon, SmileIcon, TrashIcon } from "./icons.js";
import { Modal } from "./modal.js";

/** The quick reactions offered, with names for screen readers. */
const REACTIONS: readonly [string, string][] = [
  ["👍", "thumbs up"],
  ["❤️", "heart"],
  ["😂", "laughing"],
  ["🎉", "party"],
  ["😮", "surprised"],
  ["🙏", "thank you"],
];

interface MessageItemProps {
  message: Message;
  channelId: string;
  selfId: string;
  canModerate: boolean;
  inThread: boolean;
  presence: PresenceStatus | undefined;
  grouped: boolean;
}

/** One message with its actions: react, reply in a thread, edit and delete (one's own). */
export const MessageItem = memo(function MessageItem({
  message,
  channelId,
  selfId,
  canModerate,
  inThread,
  presence,
  grouped,
}: MessageItemProps) {
  const author = useUser(message.authorUserId);
  const name = displayName(author);
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState("");
  const editButton = useRef<HTMLButtonElement>(null);
  const reactButton = useRef<HTMLButtonElement>(null);
  const deleted = !!message.deletedAt;
  const mine = message.authorUserId === selfId;
  const apply = useApplyMessage(channelId);
  const update = (next: Message) => apply(next.id, next.threadRootId, () => next);
  const setReactions = (reactions: Message["reactions"]) =>
    apply(message.id, message.threadRootId, (m) => ({ ...m, reactions }));

  const edit = useMutation(MessagingService.method.editMessage, {
    onSuccess: (res) => {
      if (res.message) update(res.message);
      setEditing(false);
      requestAnimationFrame(() => editButton.current?.focus());
    },
    onError: (err) => setError(describeError(err).message),
  });
  const remove = useMutation(MessagingService.method.deleteMessage, {
    onSuccess: (res) => {
      if (res.message) update(res.message);
      setConfirming(false);
    },
    onError: (err) => {
      setConfirming(false);
      setError(describeError(err).message);
    },
  });
  const react = useMutation(MessagingService.method.addReaction, {
    onSuccess: (res) => setReactions(res.reactions),
    onError: (err) => setError(describeError(err).message),
  });
  const unreact = useMutation(MessagingService.method.removeReaction, {
    onSuccess: (res) => setReactions(res.reactions),
    onError: (err) => setError(describeError(err).message),
  });
  const toggle = (emoji: string, mineNow: boolean) => {
    setError("");
    const request = { channelId, messageId: message.id, emoji };
    if (mineNow) unreact.mutate(request);
    else react.mutate(request);
  };

  const time = formatTime(message.createdAt);
  return (
    <li
      className={`msg${grouped ? " grouped" : ""}${deleted ? " deleted" : ""}${mine ? " mine" : ""}`}
      data-message-id={message.id}
      tabIndex={-1}
    >
      <div className="msg-gutter">
        {grouped ? (
          <time className="msg-time-hover" dateTime={isoTime(message.createdAt)}>
            {time}
          </time>
        ) : (
          <Avatar userId={message.authorUserId} name={name} presence={presence} />
        )}
      </div>
      <div className="msg-body">
        {!grouped && (
          <div className="msg-head">
            <span className="msg-author">{name}</span>
            <time
              className="msg-time"
              dateTime={isoTime(message.createdAt)}
              title={isoTime(message.createdAt)}
            >
              {time}
            </time>
          </div>
        )}
        {deleted ? (
          <p className="msg-text tombstone">This message was deleted.</p>
        ) : editing ? (
          <EditBox
            initial={message.text}
            busy={edit.isPending}
            onSave={(text) => {
              setError("");
              if (text === message.text) {
                setEditing(false);
                return;
              }
              edit.mutate({ channelId, messageId: message.id, text });
            }}
            onCancel={() => {
              setEditing(false);
              requestAnimationFrame(() => editButton.current?.focus());
            }}
          />
        ) : (
          <p className="msg-text">
            <MessageText text={message.text} />
            {message.editedAt && <span className="edited"> (edited)</span>}
          </p>
        )}
        {message.reactions.length > 0 && (
          <ul className="reactions" aria-label="Reactions">
            {message.reactions.map((r) => (
              <li key={r.emoji}>
                <button
                  type="button"
                  className={r.reactedByMe ? "reaction mine" : "reaction"}
                  aria-pressed={r.reactedByMe}
                  aria-label={`${r.emoji} ${r.count}`}
                  title={r.reactedByMe ? "Remove your reaction" : "React with this too"}
                  onClick={() => toggle(r.emoji, r.reactedByMe)}
                  disabled={deleted}
                >
                  <span aria-hidden="true">{r.emoji}</span>
                  <span aria-hidden="true" className="reaction-count">
                    {r.count}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {!inThread && message.replyCount > 0 && (
          <button
            type="button"
            className="thread-summary"
            onClick={() => navigate({ channelId, threadId: message.id })}
          >
            {message.replyCount} {message.replyCount === 1 ? "reply" : "replies"}
            {message.lastReplyAt && (
              <span className="muted"> · last {formatTime(message.lastReplyAt)}</span>
            )}
          </button>
        )}
        {error && (
          <p className="msg-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {!deleted && !editing && (
        // biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a set of form fields
        <div className="msg-actions" role="group" aria-label={`Actions for message from ${name}`}>
          <IconButton
            ref={reactButton}
            label="Add reaction"
            aria-expanded={picking}
            onClick={() => setPicking((p) => !p)}
          >
            <SmileIcon />
          </IconButton>
          {!inThread && !message.threadRootId && (
            <IconButton
              label="Reply in thread"
              onClick={() => navigate({ channelId, threadId: message.id })}
            >
              <ReplyIcon />
            </IconButton>
          )}
          {mine && (
            <IconButton
              ref={editButton}
              label="Edit message"
              title="Edit"
              onClick={() => {
                setError("");
                setEditing(true);
              }}
            >
              <EditIcon />
            </IconButton>
          )}
          {(mine || canModerate) && (
            <IconButton
              className="destructive"
              label="Delete message"
              title="Delete"
              onClick={() => setConfirming(true)}
            >
              <TrashIcon />
            </IconButton>
          )}
          {picking && (
            <ReactionPicker
              onPick={(emoji) => {
                setPicking(false);
                const existing = message.reactions.find((r) => r.emoji === emoji);
                toggle(emoji, !!existing?.reactedByMe);
                reactButton.current?.focus();
              }}
              onClose={() => {
                setPicking(false);
                reactButton.current?.focus();
              }}
            />
          )}
        </div>
      )}
      {confirming && (
        <Modal title="Delete this message?" onClose={() => setConfirming(false)}>
          <p>It will be removed for everyone. This can’t be undone.</p>
          <blockquote className="quote">{message.text}</blockquote>
          <div className="dialog-actions">
            {/* biome-ignore lint/a11y/noAutofocus: the safe choice of a confirmation dialog */}
            <button type="button" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate({ channelId, messageId: message.id })}
            >
              {remove.isPending ? "Deleting…" : "Delete"}
            </button>
          </div>
        </Modal>
      )}
    </li>
  );
});

/** A message the server has not confirmed yet: sending, waiting to retry, or failed. */
export function PendingItem({
  item,
  selfId,
  grouped,
}: {
  item: PendingMessage;
  selfId: string;
  grouped: boolean;
}) {
  const live = useLiveSync();
  const self = useUser(selfId);
  const name = displayName(self);
  return (
    <li className={`msg pending ${item.state}${grouped ? " grouped" : ""}`}>
      <div className="msg-gutter">{!grouped && <Avatar userId={selfId} name={name} />}</div>
      <div className="msg-body">
        {!grouped && (
          <div className="msg-head">
            <span className="msg-author">{name}</span>
          </div>
        )}
        <p className="msg-text">
          <MessageText text={item.text} />
        </p>
        <p className="msg-status" role={item.state === "failed" ? "alert" : undefined}>
          {item.state === "sending" && "Sending…"}
          {item.state === "waiting" && `Not sent yet, retrying. ${item.error ?? ""}`}
          {item.state === "failed" && (
            <>
              Not sent: {item.error}{" "}
              <button type="button" className="link" onClick={() => live.sendQueue.retry(item.key)}>
                Retry
              </button>{" "}
              <button
                type="button"
                className="link"
                onClick={() => live.sendQueue.discard(item.key)}
              >
                Discard
              </button>
            </>
          )}
        </p>
      </div>
    </li>
  );
}

function MessageText({ text }: { text: string }) {
  return (
    <>
      {splitMentions(text).map((part, i) =>
        part.mention ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable text
          <span key={i} className="mention">
            {part.text}
          </span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable text
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}

function EditBox({
  initial,
  busy,
  onSave,
  onCancel,
}: {
  initial: string;
  busy: boolean;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [text, setText] = useState(initial);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const keyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    } else if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      if (text.trim()) onSave(text.trim());
    }
  };
  return (
    <form
      className="edit-box"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) onSave(text.trim());
      }}
    >
      <label className="visually-hidden" htmlFor={id}>
        Edit message
      </label>
      <textarea
        id={id}
        ref={box}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={keyDown}
      />
      <div className="edit-actions">
        <span className="muted">Enter to save · Escape to cancel</span>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          Save
        </button>
      </div>
    </form>
  );
}

function ReactionPicker({
  onPick,
  onClose,
}: {
  onPick: (emoji: string) => void;
  onClose: () => void;
}) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a set of form fields
    <div
      className="reaction-picker"
      role="group"
      aria-label="Pick a reaction"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      {REACTIONS.map(([emoji, label], i) => (
        <button
          key={emoji}
          ref={i === 0 ? first : undefined}
          type="button"
          aria-label={`React with ${label}`}
          title={label}
          onClick={() => onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}

/** Writes an RPC's answer about a message into the loaded views that show it. */
function useApplyMessage(channelId: string) {
  const queryClient = useQueryClient();
  const transport = useTransport();
  return (messageId: string, threadRootId: string, change: (m: Message) => Message) => {
    // The channel's view, the thread the message is in, and the thread it may be root of.
    for (const thread of new Set(["", threadRootId, messageId])) {
      queryClient.setQueryData(timelineKey(transport, channelId, thread), (data) =>
        data ? (updateMessage(data as TimelinePages, messageId, change) as typeof data) : data,
      );
    }
  };
}

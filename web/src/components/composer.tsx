import { type FormEvent, type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import { useApp, useLiveSync } from "../app/context.js";
import { TypingNotifier } from "../lib/typing.js";
import { SendIcon } from "./icons.js";

const MAX_LENGTH = 4000;

/**
 * The message box: Enter sends, Shift+Enter starts a new line. Sending is optimistic (the send
 * queue shows the message at once and retries it); typing is announced to others, throttled.
 */
export function Composer({
  id,
  channelId,
  threadRootId = "",
  label,
  placeholder,
  disabled = false,
  autoFocus = false,
  onSent,
}: {
  id: string;
  channelId: string;
  threadRootId?: string;
  label: string;
  placeholder: string;
  disabled?: boolean;
  autoFocus?: boolean;
  onSent?: () => void;
}) {
  const { messaging } = useApp();
  const live = useLiveSync();
  const draftKey = `${channelId}/${threadRootId}`;
  const [text, setText] = useState(() => live.drafts.get(draftKey) ?? "");
  const box = useRef<HTMLTextAreaElement>(null);
  const notifier = useMemo(
    () =>
      new TypingNotifier((stopped) => {
        messaging.sendTyping({ channelId, threadRootId, stopped }).catch(() => {
          // Typing is best effort.
        });
      }),
    [messaging, channelId, threadRootId],
  );
  useEffect(() => () => notifier.dispose(), [notifier]);
  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, [autoFocus]);

  const tooLong = text.length > MAX_LENGTH;
  const change = (value: string) => {
    setText(value);
    live.drafts.set(draftKey, value);
    notifier.input(value);
  };
  const send = () => {
    const body = text.trim();
    if (!body || tooLong || disabled) return;
    live.sendQueue.enqueue(channelId, body, threadRootId);
    notifier.sent();
    setText("");
    live.drafts.delete(draftKey);
    onSent?.();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send();
    box.current?.focus();
  };
  const keyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };
  const counterId = `${id}-counter`;
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <textarea
        id={id}
        ref={box}
        rows={1}
        value={text}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(e) => change(e.target.value)}
        onKeyDown={keyDown}
        aria-describedby={text.length > MAX_LENGTH - 500 ? counterId : undefined}
        aria-invalid={tooLong || undefined}
      />
      {text.length > MAX_LENGTH - 500 && (
        <span id={counterId} className={tooLong ? "counter over" : "counter"}>
          {tooLong
            ? `${text.length - MAX_LENGTH} characters too long`
            : `${MAX_LENGTH - text.length} characters left`}
        </span>
      )}
      <button
        type="submit"
        className="send"
        aria-label="Send"
        title="Send (Enter)"
        disabled={disabled || !text.trim() || tooLong}
      >
        <SendIcon />
      </button>
    </form>
  );
}

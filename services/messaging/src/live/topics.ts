/**
 * The bus topics messaging instances fan out on, and the one framing that is not a bare
 * `MessagingEvent`. Every instance subscribes to all three; nothing on them is stored (the
 * durable source of truth is the channel event log).
 */

/**
 * Channel-scoped events, as serialized `MessagingEvent`s: every durable event (the very bytes
 * stored in the event log, published after commit) and typing indicators (offset 0).
 */
export const CHANNEL_EVENTS_TOPIC = "messaging.channel-events";

/** Events for one person's streams only (read_state_changed), framed by {@link frameUserEvent}. */
export const USER_EVENTS_TOPIC = "messaging.user-events";

/** presence_changed events, as serialized `MessagingEvent`s; each instance works out who shares a channel. */
export const PRESENCE_TOPIC = "messaging.presence";

const USER_FRAME_VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** `[version][user id length][user id, UTF-8][MessagingEvent bytes]`. */
export function frameUserEvent(userId: string, event: Uint8Array): Uint8Array {
  const id = encoder.encode(userId);
  if (id.length > 255) throw new RangeError("user id too long to frame");
  const frame = new Uint8Array(2 + id.length + event.length);
  frame[0] = USER_FRAME_VERSION;
  frame[1] = id.length;
  frame.set(id, 2);
  frame.set(event, 2 + id.length);
  return frame;
}

/** Reads a {@link frameUserEvent} frame; undefined for anything else. */
export function unframeUserEvent(
  frame: Uint8Array,
): { readonly userId: string; readonly event: Uint8Array } | undefined {
  if (frame.length < 2 || frame[0] !== USER_FRAME_VERSION) return undefined;
  const length = frame[1] ?? 0;
  if (frame.length < 2 + length) return undefined;
  try {
    const userId = decoder.decode(frame.subarray(2, 2 + length));
    return { userId, event: frame.subarray(2 + length) };
  } catch {
    return undefined;
  }
}

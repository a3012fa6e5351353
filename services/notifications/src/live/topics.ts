/**
 * The bus topic notifications instances fan out on, and its framing. Nothing on it is stored:
 * the inbox in the store is the truth, the bus only carries "this person's streams should see
 * this event now" to whichever instances hold them.
 */

/** Events for one person's streams, framed by {@link frameUserEvent}. */
export const USER_EVENTS_TOPIC = "notifications.user-events";

const FRAME_VERSION = 1;
/** Bytes of the publishing instance's id (a random UUID's 16 bytes). */
export const ORIGIN_LENGTH = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** One framed event: which instance published it, for whom, and the `NotificationEvent` bytes. */
export interface UserEventFrame {
  readonly origin: Uint8Array;
  readonly userId: string;
  readonly event: Uint8Array;
}

/**
 * `[version][origin: 16 bytes][user id length][user id, UTF-8][NotificationEvent bytes]`. The
 * origin lets the publishing instance skip its own frame: it delivered to its local streams
 * already, without waiting for the bus (and even while the bus is down).
 */
export function frameUserEvent(frame: UserEventFrame): Uint8Array {
  const id = encoder.encode(frame.userId);
  if (id.length > 255) throw new RangeError("user id too long to frame");
  if (frame.origin.length !== ORIGIN_LENGTH) throw new RangeError("origin must be 16 bytes");
  const bytes = new Uint8Array(2 + ORIGIN_LENGTH + id.length + frame.event.length);
  bytes[0] = FRAME_VERSION;
  bytes.set(frame.origin, 1);
  bytes[1 + ORIGIN_LENGTH] = id.length;
  bytes.set(id, 2 + ORIGIN_LENGTH);
  bytes.set(frame.event, 2 + ORIGIN_LENGTH + id.length);
  return bytes;
}

/** Reads a {@link frameUserEvent} frame; undefined for anything else. */
export function unframeUserEvent(bytes: Uint8Array): UserEventFrame | undefined {
  if (bytes.length < 2 + ORIGIN_LENGTH || bytes[0] !== FRAME_VERSION) return undefined;
  const length = bytes[1 + ORIGIN_LENGTH] ?? 0;
  const start = 2 + ORIGIN_LENGTH;
  if (bytes.length < start + length) return undefined;
  try {
    return {
      origin: bytes.subarray(1, 1 + ORIGIN_LENGTH),
      userId: decoder.decode(bytes.subarray(start, start + length)),
      event: bytes.subarray(start + length),
    };
  } catch {
    return undefined;
  }
}

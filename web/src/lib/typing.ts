import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { MessagingEvent } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { realTimers, type Timers } from "./timers.js";

/** Who is typing where: `channelId/threadRootId` → user id → when the indicator ends (epoch ms). */
export type TypingState = ReadonlyMap<string, ReadonlyMap<string, number>>;

export const NO_TYPING: TypingState = new Map();

/** How long an indicator lasts when the event does not say (the contract's 6 seconds). */
const DEFAULT_TYPING_MS = 6_000;

export function typingKey(channelId: string, threadRootId = ""): string {
  return `${channelId}/${threadRootId}`;
}

/**
 * Applies a `typing` event (someone started or stopped) or a `message_created` (the author's
 * indicator ends with their message). Returns the same state when nothing changed. The
 * indicator's length is `expires_at - time` of the event (both the server's clock) counted from
 * `now` on the local clock, so a browser with a wrong clock still shows it for the right time.
 */
export function applyTyping(state: TypingState, event: MessagingEvent, now: number): TypingState {
  const { payload, channelId } = event;
  if (payload.case === "typing") {
    const { userId, threadRootId, typing, expiresAt } = payload.value;
    if (!typing) return without(state, typingKey(channelId, threadRootId), userId);
    const remaining =
      expiresAt && event.time
        ? Math.min(DEFAULT_TYPING_MS, Math.max(0, timestampMs(expiresAt) - timestampMs(event.time)))
        : DEFAULT_TYPING_MS;
    const key = typingKey(channelId, threadRootId);
    const next = new Map(state);
    const users = new Map(state.get(key));
    users.set(userId, now + remaining);
    next.set(key, users);
    return next;
  }
  if (payload.case === "messageCreated" && payload.value.message) {
    const { authorUserId, threadRootId } = payload.value.message;
    return without(state, typingKey(channelId, threadRootId), authorUserId);
  }
  return state;
}

/** Drops indicators that ended; the same state when none did. */
export function expireTyping(state: TypingState, now: number): TypingState {
  let next: Map<string, ReadonlyMap<string, number>> | undefined;
  for (const [key, users] of state) {
    const alive = [...users].filter(([, until]) => until > now);
    if (alive.length === users.size) continue;
    next ??= new Map(state);
    if (alive.length === 0) next.delete(key);
    else next.set(key, new Map(alive));
  }
  return next ?? state;
}

/** The earliest time an indicator ends, to schedule the next expiry. */
export function nextTypingExpiry(state: TypingState): number | undefined {
  let earliest: number | undefined;
  for (const users of state.values()) {
    for (const until of users.values()) {
      if (earliest === undefined || until < earliest) earliest = until;
    }
  }
  return earliest;
}

/** User ids typing in a conversation now, in the order they started. */
export function typingUsers(state: TypingState, channelId: string, threadRootId = ""): string[] {
  return [...(state.get(typingKey(channelId, threadRootId))?.keys() ?? [])];
}

/** "Ada is typing…", "Ada and Bo are typing…", "Ada, Bo and 2 others are typing…". */
export function typingSentence(names: readonly string[]): string {
  const [a, b] = names;
  if (a === undefined) return "";
  if (b === undefined) return `${a} is typing…`;
  if (names.length === 2) return `${a} and ${b} are typing…`;
  if (names.length === 3) return `${a}, ${b} and ${names[2]} are typing…`;
  return `${a}, ${b} and ${names.length - 2} others are typing…`;
}

function without(state: TypingState, key: string, userId: string): TypingState {
  const users = state.get(key);
  if (!users?.has(userId)) return state;
  const next = new Map(state);
  const rest = new Map(users);
  rest.delete(userId);
  if (rest.size === 0) next.delete(key);
  else next.set(key, rest);
  return next;
}

/**
 * Tells others that this person is typing, without flooding the server: at most one "typing"
 * call per `intervalMs` (3 s; the indicator lasts 6 s), and one "stopped" when the draft is
 * cleared. Sending the message needs no "stopped": receivers end the indicator on the message.
 * The server absorbs calls less than 2 s apart, so typing again right after sending (when the
 * receivers' indicator just ended) is announced as soon as the server will take it, not up to
 * 3 s later.
 */
export class TypingNotifier {
  #lastCall = Number.NEGATIVE_INFINITY;
  /** Receivers ended the indicator (a message was sent, or "stopped") since the last call. */
  #ended = true;
  #timer: unknown;
  readonly #send: (stopped: boolean) => void;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #intervalMs: number;
  readonly #serverGapMs: number;

  constructor(
    send: (stopped: boolean) => void,
    options: {
      now?: () => number;
      timers?: Timers;
      intervalMs?: number;
      serverGapMs?: number;
    } = {},
  ) {
    this.#send = send;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? realTimers;
    this.#intervalMs = options.intervalMs ?? 3_000;
    this.#serverGapMs = options.serverGapMs ?? 2_100;
  }

  /** The draft changed; `draft` is its text now. */
  input(draft: string): void {
    if (draft.trim() === "") {
      this.#cancel();
      if (!this.#ended) {
        this.#ended = true;
        this.#send(true);
      }
      return;
    }
    const since = this.#now() - this.#lastCall;
    if (since >= this.#intervalMs) {
      this.#typing();
    } else if (this.#ended && this.#timer === undefined) {
      this.#timer = this.#timers.setTimeout(
        () => {
          this.#timer = undefined;
          this.#typing();
        },
        Math.max(0, this.#serverGapMs - since),
      );
    }
  }

  /** The draft was sent. */
  sent(): void {
    this.#cancel();
    this.#ended = true;
  }

  /** The composer goes away. */
  dispose(): void {
    this.#cancel();
  }

  #typing(): void {
    this.#lastCall = this.#now();
    this.#ended = false;
    this.#send(false);
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

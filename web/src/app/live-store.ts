import type { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import type { LiveStatus } from "../lib/live-connection.js";
import { NO_TYPING, type TypingState } from "../lib/typing.js";

/** A presence as last heard, with when (to tell it from an older GetPresence answer). */
export interface PresenceEntry {
  readonly status: PresenceStatus;
  readonly at: number;
}

/** The live, non-cached state the UI shows: connection, typing, presence, announcements. */
export interface LiveState {
  readonly status: LiveStatus;
  readonly typing: TypingState;
  readonly presence: ReadonlyMap<string, PresenceEntry>;
  /** The latest thing to read out to screen readers (a new message, a reconnect). */
  readonly announcement: { readonly text: string; readonly id: number };
}

/** An immutable-snapshot store for `useSyncExternalStore`. */
export class LiveStore {
  #state: LiveState = {
    status: "connecting",
    typing: NO_TYPING,
    presence: new Map(),
    announcement: { text: "", id: 0 },
  };
  readonly #listeners = new Set<() => void>();

  get state(): LiveState {
    return this.#state;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  update(change: Partial<LiveState>): void {
    this.#state = { ...this.#state, ...change };
    for (const listener of [...this.#listeners]) listener();
  }

  setPresence(userId: string, status: PresenceStatus, at: number): void {
    const presence = new Map(this.#state.presence);
    presence.set(userId, { status, at });
    this.update({ presence });
  }

  announce(text: string): void {
    this.update({ announcement: { text, id: this.#state.announcement.id + 1 } });
  }
}

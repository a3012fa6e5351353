import type { NotificationEvent } from "@parley/gen/parley/notifications/v1/events_pb.js";
import { EventQueue } from "@parley/mesh";
import * as errors from "../errors.js";
import type { Logger } from "../ports.js";

export interface NotificationStreamOptions {
  readonly id: string;
  readonly userId: string;
  /** Events that may wait for a slow reader before the stream ends with `unavailable`. */
  readonly maxPending: number;
  readonly logger: Logger;
}

/**
 * One Subscribe stream on this instance. The hub offers it the person's events without ever
 * waiting (one slow reader must not hold up anyone else's delivery); events offered before
 * {@link start} wait behind the `subscribed` event that must come first. A reader that lets
 * `maxPending` events pile up is too slow: the stream ends with `unavailable`, and the client
 * reconnects and refetches (nothing is replayed on this stream by contract).
 */
export class NotificationStream {
  readonly id: string;
  readonly userId: string;
  readonly #queue: EventQueue<NotificationEvent>;
  readonly #options: NotificationStreamOptions;
  /** Events offered before start(); undefined once started. */
  #early: NotificationEvent[] | undefined = [];
  #lastUnreadCount = 0;

  constructor(options: NotificationStreamOptions) {
    this.#options = options;
    this.id = options.id;
    this.userId = options.userId;
    this.#queue = new EventQueue(options.maxPending);
  }

  get closed(): boolean {
    return this.#queue.ended;
  }

  /** The unread count of the newest event this stream was given (for heartbeats). */
  get lastUnreadCount(): number {
    return this.#lastUnreadCount;
  }

  /** Sends `subscribed` first, then whatever arrived while the stream was being set up. */
  start(subscribed: NotificationEvent): void {
    const early = this.#early;
    if (!early) return;
    this.#early = undefined;
    this.#lastUnreadCount = subscribed.unreadCount;
    this.#queue.tryPush(subscribed);
    for (const event of early) this.offer(event);
  }

  /** Queues an event for the client; never waits. Ends the stream when its reader is too slow. */
  offer(event: NotificationEvent): void {
    if (this.closed) return;
    if (this.#early) {
      if (this.#early.length < this.#options.maxPending) this.#early.push(event);
      else this.#tooSlow();
      return;
    }
    if (!this.#queue.tryPush(event)) {
      this.#tooSlow();
      return;
    }
    this.#lastUnreadCount = event.unreadCount;
  }

  /** Best effort: only when there is room now (heartbeats). */
  trySend(event: NotificationEvent): boolean {
    if (this.#early) return false;
    return this.#queue.tryPush(event);
  }

  /** The stream's events in order; throws the error the stream ended with. */
  events(): AsyncGenerator<NotificationEvent> {
    return this.#queue.drain();
  }

  /** Ends the stream, with an error the client will see or cleanly. Idempotent. */
  close(error?: unknown): void {
    this.#early = undefined;
    this.#queue.end(error);
  }

  #tooSlow(): void {
    this.#options.logger.warn(
      { userId: this.userId, streamId: this.id },
      "notification stream closed: its reader fell too far behind",
    );
    this.close(errors.streamTooSlow());
  }
}

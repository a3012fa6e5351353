import {
  MembershipChange,
  type MessagingEvent,
  ResetReason,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import * as errors from "../errors.js";
import { channelResetEvent, decodeEvent } from "../event-codec.js";
import type { Clock, EventLog, Logger } from "../ports.js";
import { EventQueue } from "./event-queue.js";

/** Events read from the log per query while replaying or filling a gap. */
const LOG_PAGE = 200;
/** Events ready for the client; when full, the pump waits and live events pile up in the inbox. */
const OUTBOX_CAPACITY = 256;

/** Work for a subscriber's pump, in arrival order. */
export type InboxItem =
  | { readonly kind: "event"; readonly event: MessagingEvent }
  /**
   * Deliver whatever the log holds after the channel's cursor (replay after Subscribe, resync
   * after a bus outage). With `attachAt`, first start following the channel from that position if
   * the stream does not follow it yet (a membership the stream missed).
   */
  | {
      readonly kind: "catch-up";
      readonly channelId: string;
      readonly attachAt?: { readonly epoch: string; readonly offset: number };
    };

/** Where a stream is in one channel: the last durable offset it delivered (or skipped past). */
interface ChannelCursor {
  epoch: string;
  offset: number;
}

export interface SubscriberOptions {
  readonly id: string;
  readonly userId: string;
  readonly log: EventLog;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Live events that may wait in the inbox before the stream is closed as too slow. */
  readonly maxPending: number;
  /** Called when the stream starts following a channel (so the hub routes its events here). */
  readonly onAttach: (subscriber: Subscriber, channelId: string) => void;
}

/**
 * One Subscribe stream's delivery state on this instance: which channels it follows and the last
 * offset it delivered in each, an inbox of routed events, and a pump that turns them into the
 * stream's events in order.
 *
 * The pump is where the stream's guarantees are kept, whatever the bus does:
 * - durable events at or below the channel's cursor are dropped (each offset once per stream);
 * - an event beyond cursor + 1 first pulls the missing ones from the event log, in order; if the
 *   log no longer has them the channel gets a `channel_reset` (DELIVERY_GAP);
 * - the caller's own joined/added event starts a channel (it is the channel's first event), and
 *   their left/removed event or channel_deleted is the channel's last one.
 */
export class Subscriber {
  readonly id: string;
  readonly userId: string;
  readonly #options: SubscriberOptions;
  readonly #channels = new Map<string, ChannelCursor>();
  readonly #inbox: InboxItem[] = [];
  readonly #outbox = new EventQueue<MessagingEvent>(OUTBOX_CAPACITY);
  #pendingEvents = 0;
  #started = false;
  #pumping = false;
  #closed = false;

  constructor(options: SubscriberOptions) {
    this.#options = options;
    this.id = options.id;
    this.userId = options.userId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The channels this stream follows now. */
  followedChannels(): string[] {
    return [...this.#channels.keys()];
  }

  follows(channelId: string): boolean {
    return this.#channels.has(channelId);
  }

  /** The last offset delivered in a channel (for tests and diagnostics). */
  cursorOf(channelId: string): number | undefined {
    return this.#channels.get(channelId)?.offset;
  }

  /** Before {@link start}: follow a channel from `offset` (its events after it will be delivered). */
  follow(channelId: string, epoch: string, offset: number): void {
    this.#channels.set(channelId, { epoch, offset });
    this.#options.onAttach(this, channelId);
  }

  /** Before {@link start}: the first event of the stream (`subscribed`). */
  sendFirst(event: MessagingEvent): void {
    this.#outbox.tryPush(event);
  }

  /** Puts work ahead of everything already in the inbox (the replay after Subscribe). */
  prepend(items: readonly InboxItem[]): void {
    this.#inbox.unshift(...items);
  }

  /**
   * Routes work to this stream; never blocks. Past `maxPending` waiting events the stream ends
   * with `unavailable`: its reader is too slow, and it reconnects with positions and loses nothing.
   */
  offer(item: InboxItem): void {
    if (this.#closed) return;
    if (item.kind === "event" && ++this.#pendingEvents > this.#options.maxPending) {
      this.#options.logger.warn(
        { userId: this.userId, streamId: this.id, pending: this.#pendingEvents - 1 },
        "stream closed: its reader fell too far behind",
      );
      this.close(errors.streamTooSlow());
      return;
    }
    this.#inbox.push(item);
    if (this.#started) this.#pump();
  }

  /** Starts delivering what the inbox holds and whatever comes next. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#pump();
  }

  /** Best effort: an extra event only when there is room now (heartbeats). */
  trySend(event: MessagingEvent): boolean {
    return this.#outbox.tryPush(event);
  }

  /** The stream's events for the client, in order; throws the error the stream ended with. */
  events(): AsyncGenerator<MessagingEvent> {
    return this.#outbox.drain();
  }

  /** Ends the stream (with an error the client will see, or cleanly). Idempotent. */
  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbox.length = 0;
    this.#outbox.end(error);
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void (async () => {
      try {
        for (;;) {
          if (this.#closed) return;
          const item = this.#inbox.shift();
          if (!item) return;
          if (item.kind === "event") {
            this.#pendingEvents--;
            await this.#handle(item.event);
          } else {
            await this.#catchUp(item.channelId, item.attachAt);
          }
        }
      } catch (err) {
        this.#options.logger.error(
          { err, userId: this.userId, streamId: this.id },
          "stream delivery failed; closing the stream so the client reconnects",
        );
        this.close(errors.streamInterrupted());
      } finally {
        this.#pumping = false;
        // Work that arrived while the last step was finishing.
        if (!this.#closed && this.#inbox.length > 0) this.#pump();
      }
    })();
  }

  async #handle(event: MessagingEvent): Promise<void> {
    if (event.offset === 0n) {
      await this.#ephemeral(event);
      return;
    }
    await this.#durable(event, true);
  }

  async #ephemeral(event: MessagingEvent): Promise<void> {
    switch (event.payload.case) {
      case "typing":
        if (!this.#channels.has(event.channelId)) return;
        if (event.payload.value.userId === this.userId) return;
        break;
      case "readStateChanged":
      case "presenceChanged":
        break;
      default:
        return;
    }
    await this.#outbox.push(event);
  }

  /** Delivers one durable event in order, filling a gap from the log first when `mayFill`. */
  async #durable(event: MessagingEvent, mayFill: boolean): Promise<void> {
    const channelId = event.channelId;
    const offset = Number(event.offset);
    let cursor = this.#channels.get(channelId);
    if (!cursor) {
      if (!this.#startsMembership(event)) return;
      cursor = { epoch: event.epoch, offset: offset - 1 };
      this.#channels.set(channelId, cursor);
      this.#options.onAttach(this, channelId);
    }
    if (event.epoch !== cursor.epoch) {
      // The channel's history was reset: the client reloads it and continues after this event.
      await this.#reset(channelId, event.epoch, offset, ResetReason.EPOCH_CHANGED);
      return;
    }
    if (offset <= cursor.offset) return;
    if (offset > cursor.offset + 1 && event.payload.case !== "channelDeleted") {
      if (mayFill) {
        await this.#fill(channelId, offset);
        await this.#durable(event, false);
        return;
      }
      // The log cannot fill the gap: the client reloads the channel, then continues from here.
      await this.#reset(channelId, cursor.epoch, offset - 1, ResetReason.DELIVERY_GAP);
    }
    await this.#outbox.push(event);
    cursor.offset = offset;
    if (this.#endsMembership(event)) this.#channels.delete(channelId);
  }

  /** Delivers the channel's events between its cursor and `before` from the log. */
  async #fill(channelId: string, before: number): Promise<void> {
    for (;;) {
      const cursor = this.#channels.get(channelId);
      if (!cursor || cursor.offset >= before - 1 || this.#closed) return;
      const batch = await this.#options.log.readEvents(
        channelId,
        cursor.offset,
        Math.min(LOG_PAGE, before - 1 - cursor.offset),
      );
      const wanted = batch.filter((stored) => stored.offset < before);
      if (wanted.length === 0) return;
      for (const stored of wanted) await this.#durable(decodeEvent(stored.bytes), false);
    }
  }

  async #catchUp(
    channelId: string,
    attachAt: { readonly epoch: string; readonly offset: number } | undefined,
  ): Promise<void> {
    if (attachAt && !this.#channels.has(channelId)) {
      this.#channels.set(channelId, { epoch: attachAt.epoch, offset: attachAt.offset });
      this.#options.onAttach(this, channelId);
    }
    for (;;) {
      const cursor = this.#channels.get(channelId);
      if (!cursor || this.#closed) return;
      const batch = await this.#options.log.readEvents(channelId, cursor.offset, LOG_PAGE);
      for (const stored of batch) await this.#durable(decodeEvent(stored.bytes), false);
      if (batch.length < LOG_PAGE) return;
    }
  }

  async #reset(
    channelId: string,
    epoch: string,
    offset: number,
    reason: ResetReason,
  ): Promise<void> {
    await this.#outbox.push(
      channelResetEvent({ channelId, epoch, offset, reason, now: this.#options.clock.now() }),
    );
    const cursor = this.#channels.get(channelId);
    if (cursor) {
      cursor.epoch = epoch;
      cursor.offset = offset;
    } else {
      this.#channels.set(channelId, { epoch, offset });
    }
  }

  #startsMembership(event: MessagingEvent): boolean {
    if (event.payload.case !== "membershipChanged") return false;
    const change = event.payload.value;
    return (
      change.userId === this.userId &&
      (change.change === MembershipChange.JOINED || change.change === MembershipChange.ADDED)
    );
  }

  #endsMembership(event: MessagingEvent): boolean {
    if (event.payload.case === "channelDeleted") return true;
    if (event.payload.case !== "membershipChanged") return false;
    const change = event.payload.value;
    return (
      change.userId === this.userId &&
      (change.change === MembershipChange.LEFT || change.change === MembershipChange.REMOVED)
    );
  }
}

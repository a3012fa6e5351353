import {
  MembershipChange,
  type MessagingEvent,
  ResetReason,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import * as errors from "../errors.js";
import { channelResetEvent, decodeEvent } from "../event-codec.js";
import type { Clock, EventLog, Logger } from "../ports.js";
import type { Outlet } from "./outlet.js";

/** Events read from the log per query while replaying or filling a gap. */
const LOG_PAGE = 200;

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

/**
 * Where a durable event stands against the stream's cursor in its channel: the one rule both the
 * synchronous path ({@link Subscriber}'s `#deliverNow`) and the pump's (`#durable`) follow.
 * - `reset`: another epoch (the channel's history was reset);
 * - `old`: delivered or skipped already;
 * - `gap`: events between the cursor and this one are missing (a channel's deletion never waits
 *   for them: nothing after it matters);
 * - `next`: deliver it.
 */
function placeOf(event: MessagingEvent, cursor: ChannelCursor): "reset" | "old" | "gap" | "next" {
  if (event.epoch !== cursor.epoch) return "reset";
  const offset = Number(event.offset);
  if (offset <= cursor.offset) return "old";
  if (offset > cursor.offset + 1 && event.payload.case !== "channelDeleted") return "gap";
  return "next";
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
 * stream's events in order, into its {@link Outlet} (the client's stream).
 *
 * The stream's guarantees are kept here, whatever the bus does:
 * - durable events at or below the channel's cursor are dropped (each offset once per stream);
 * - an event beyond cursor + 1 first pulls the missing ones from the event log, in order; if the
 *   log no longer has them the channel gets a `channel_reset` (DELIVERY_GAP);
 * - the caller's own joined/added event starts a channel (it is the channel's first event), and
 *   their left/removed event or channel_deleted is the channel's last one.
 *
 * The usual case, an event that is the next offset of its channel (or an ephemeral one) arriving
 * while nothing waits ahead of it and the outlet has room, is delivered synchronously inside
 * {@link offer}: no promise, no pump. Everything else (gaps, resets, catch-ups, a full outlet)
 * goes through the inbox and the asynchronous pump, in arrival order.
 */
export class Subscriber {
  readonly id: string;
  readonly userId: string;
  readonly #options: SubscriberOptions;
  readonly #channels = new Map<string, ChannelCursor>();
  readonly #inbox: InboxItem[] = [];
  /** Where events go once the stream started; undefined before. */
  #outlet: Outlet | undefined;
  #pendingEvents = 0;
  #pumping = false;
  #closed = false;
  /** Why the stream ended, when it ended before it started (given to the outlet at start). */
  #endedWith: { readonly error: unknown } | undefined;

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
    if (item.kind === "event") {
      if (!this.#pumping && this.#inbox.length === 0 && this.#deliverNow(item.event)) return;
      if (++this.#pendingEvents > this.#options.maxPending) {
        this.#options.logger.warn(
          { userId: this.userId, streamId: this.id, pending: this.#pendingEvents - 1 },
          "stream closed: its reader fell too far behind",
        );
        this.close(errors.streamTooSlow());
        return;
      }
    }
    this.#inbox.push(item);
    if (this.#outlet) this.#pump();
  }

  /** Starts delivering, into `outlet`, what the inbox holds and whatever comes next. */
  start(outlet: Outlet): void {
    if (this.#outlet) return;
    this.#outlet = outlet;
    if (this.#endedWith) {
      outlet.end(this.#endedWith.error);
      return;
    }
    this.#pump();
  }

  /** Best effort: an extra event only when there is room now (heartbeats). */
  trySend(event: MessagingEvent): boolean {
    return !this.#closed && this.#outlet !== undefined && this.#outlet.offer(event);
  }

  /** Ends the stream (with an error the client will see, or cleanly). Idempotent. */
  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbox.length = 0;
    if (this.#outlet) this.#outlet.end(error);
    else this.#endedWith = { error };
  }

  /**
   * Delivers an event at once when that needs neither the log nor waiting: true when the event
   * is dealt with (delivered, or not for this stream), false when it must go through the pump.
   * Only called with nothing ahead of the event (empty inbox, pump idle).
   */
  #deliverNow(event: MessagingEvent): boolean {
    const outlet = this.#outlet;
    if (!outlet) return false;
    if (event.offset === 0n) return !this.#wantsEphemeral(event) || outlet.offer(event);
    const cursor = this.#cursorFor(event);
    if (!cursor) return true;
    const place = placeOf(event, cursor);
    if (place === "old") return true;
    if (place !== "next" || !outlet.offer(event)) return false;
    this.#delivered(event, cursor);
    return true;
  }

  /**
   * The stream's cursor in the event's channel. A channel it does not follow starts with the
   * caller's own joining (the cursor is then just before that event); any other event of it is
   * not for this stream (undefined).
   */
  #cursorFor(event: MessagingEvent): ChannelCursor | undefined {
    const channelId = event.channelId;
    let cursor = this.#channels.get(channelId);
    if (!cursor && this.#startsMembership(event)) {
      cursor = { epoch: event.epoch, offset: Number(event.offset) - 1 };
      this.#channels.set(channelId, cursor);
      this.#options.onAttach(this, channelId);
    }
    return cursor;
  }

  /** Moves the cursor past a delivered event; the stream stops following a channel it left. */
  #delivered(event: MessagingEvent, cursor: ChannelCursor): void {
    cursor.offset = Number(event.offset);
    if (this.#endsMembership(event)) this.#channels.delete(event.channelId);
  }

  /** Hands an event to the outlet, waiting for room as long as it takes. */
  async #push(event: MessagingEvent): Promise<void> {
    for (;;) {
      const outlet = this.#outlet;
      if (!outlet || this.#closed || outlet.offer(event)) return;
      await outlet.room();
    }
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
    if (this.#wantsEphemeral(event)) await this.#push(event);
  }

  /** Typing in followed channels (not one's own), read state and presence changes. */
  #wantsEphemeral(event: MessagingEvent): boolean {
    switch (event.payload.case) {
      case "typing":
        return this.#channels.has(event.channelId) && event.payload.value.userId !== this.userId;
      case "readStateChanged":
      case "presenceChanged":
        return true;
      default:
        return false;
    }
  }

  /** Delivers one durable event in order, filling a gap from the log first when `mayFill`. */
  async #durable(event: MessagingEvent, mayFill: boolean): Promise<void> {
    const cursor = this.#cursorFor(event);
    if (!cursor) return;
    const channelId = event.channelId;
    const offset = Number(event.offset);
    switch (placeOf(event, cursor)) {
      case "old":
        return;
      case "reset":
        // The channel's history was reset: the client reloads it and continues after this event.
        await this.#reset(channelId, event.epoch, offset, ResetReason.EPOCH_CHANGED);
        return;
      case "gap":
        if (mayFill) {
          await this.#fill(channelId, offset);
          await this.#durable(event, false);
          return;
        }
        // The log cannot fill the gap: the client reloads the channel, then continues from here.
        await this.#reset(channelId, cursor.epoch, offset - 1, ResetReason.DELIVERY_GAP);
        break;
      case "next":
        break;
    }
    await this.#push(event);
    this.#delivered(event, cursor);
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
    await this.#push(
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

import {
  MembershipChange,
  type MessagingEvent,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import * as errors from "../errors.js";
import { authorReadStateEvent, decodeEvent, peekPosition } from "../event-codec.js";
import type { ChannelStore, EventLog, Logger, PubSub, StoredEvent } from "../ports.js";
import type { Subscriber } from "./subscriber.js";
import {
  CHANNEL_EVENTS_TOPIC,
  PRESENCE_TOPIC,
  USER_EVENTS_TOPIC,
  unframeUserEvent,
} from "./topics.js";

/** Events read from the log per query when the hub fills a gap. */
const LOG_PAGE = 200;

export interface HubOptions {
  readonly pubsub: PubSub;
  readonly log: EventLog;
  /** To work out who shares a channel with someone whose presence changed. */
  readonly channels: Pick<ChannelStore, "channelIdsOf">;
  readonly logger: Logger;
  /** Channels whose last offset the hub remembers for gap detection (least recent forgotten). */
  readonly maxTrackedChannels?: number;
}

/**
 * The live fan-out of one messaging instance: subscribed once to the bus, it decodes each event
 * once and routes it to this instance's open Subscribe streams (indexed by channel and by user).
 *
 * The bus is at-most-once, so the hub never trusts it to be complete:
 * - it remembers the last offset it saw per channel; an event that jumps ahead makes it read the
 *   missing events from the channel's event log and route them first, in order (so a membership
 *   change lost on the bus still reaches the person's streams); an event at or below it is a
 *   duplicate (e.g. the local copy of an event this instance published) and is dropped;
 * - when the bus reconnects after an outage it resyncs every stream from the store: each followed
 *   channel catches up from the log, memberships the streams missed are attached, ended ones
 *   delivered;
 * - each stream ({@link Subscriber}) keeps its own cursor per channel and fills its own gaps, so
 *   every durable offset reaches every stream once, in order.
 */
export class Hub {
  readonly #options: HubOptions;
  readonly #maxTracked: number;
  readonly #subscribers = new Set<Subscriber>();
  readonly #byUser = new Map<string, Set<Subscriber>>();
  readonly #byChannel = new Map<string, Set<Subscriber>>();
  /** The channels each stream is indexed under (may include channels it stopped following). */
  readonly #indexed = new Map<Subscriber, Set<string>>();
  /** Last durable offset routed per channel, least recently updated first. */
  readonly #seen = new Map<string, { epoch: string; offset: number }>();
  /** Per-channel processing, so one channel's events are routed one at a time, in order. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #unsubscribes: (() => Promise<void>)[] = [];
  #stopWatching: (() => void) | undefined;
  #closed = false;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#maxTracked = options.maxTrackedChannels ?? 100_000;
  }

  /** Subscribes to the bus topics and watches the bus connection. */
  async start(): Promise<void> {
    const { pubsub } = this.#options;
    this.#unsubscribes.push(
      await pubsub.subscribe(CHANNEL_EVENTS_TOPIC, (bytes) => this.#onChannelEvent(bytes)),
      await pubsub.subscribe(USER_EVENTS_TOPIC, (bytes) => this.#onUserEvent(bytes)),
      await pubsub.subscribe(PRESENCE_TOPIC, (bytes) => this.#onPresence(bytes)),
    );
    this.#stopWatching = pubsub.onConnectionChange((connected) => {
      if (!connected) {
        this.#options.logger.warn({}, "bus disconnected; live events wait for its return");
        return;
      }
      this.#options.logger.info({}, "bus connected; resyncing open streams from the store");
      this.resync().catch((err: unknown) =>
        this.#options.logger.error({ err }, "resync after bus reconnect failed"),
      );
    });
  }

  /** Open streams on this instance. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Starts routing the user's events to a stream (before it knows its channels). */
  register(subscriber: Subscriber): void {
    if (this.#closed) {
      subscriber.close(errors.shuttingDown());
      return;
    }
    this.#subscribers.add(subscriber);
    addTo(this.#byUser, subscriber.userId, subscriber);
    this.#indexed.set(subscriber, new Set());
  }

  unregister(subscriber: Subscriber): void {
    this.#subscribers.delete(subscriber);
    removeFrom(this.#byUser, subscriber.userId, subscriber);
    for (const channelId of this.#indexed.get(subscriber) ?? []) {
      removeFrom(this.#byChannel, channelId, subscriber);
    }
    this.#indexed.delete(subscriber);
  }

  /** Routes a channel's events to a stream from now on (the stream's `onAttach`). */
  attach(subscriber: Subscriber, channelId: string): void {
    const indexed = this.#indexed.get(subscriber);
    if (!indexed) return;
    indexed.add(channelId);
    addTo(this.#byChannel, channelId, subscriber);
  }

  /**
   * Routes durable events this instance just committed, without waiting for the bus round trip
   * (and without depending on it: local streams stay live while the bus is down). The bus copy
   * that follows is dropped as a duplicate.
   */
  dispatchLocal(events: readonly StoredEvent[]): void {
    for (const stored of events) {
      let event: MessagingEvent;
      try {
        event = decodeEvent(stored.bytes);
      } catch (err) {
        this.#options.logger.error({ err, channelId: stored.channelId }, "undecodable event");
        continue;
      }
      this.#durable(event);
    }
  }

  /**
   * Catches every open stream up with the store: followed channels from the log, memberships the
   * streams do not follow yet from their first event, ended ones with their last event. Run when
   * the bus comes back after an outage; safe to run at any time.
   */
  async resync(): Promise<void> {
    if (this.#subscribers.size === 0) return;
    const memberships = await this.#options.log.memberships([...this.#byUser.keys()]);
    const byUser = new Map<string, typeof memberships>();
    for (const membership of memberships) {
      const list = byUser.get(membership.userId) ?? [];
      list.push(membership);
      byUser.set(membership.userId, list);
      this.#markSeen(membership.channelId, membership.epoch, membership.lastOffset);
    }
    for (const subscriber of [...this.#subscribers]) {
      const followed = new Set(subscriber.followedChannels());
      for (const membership of byUser.get(subscriber.userId) ?? []) {
        if (followed.delete(membership.channelId)) {
          subscriber.offer({ kind: "catch-up", channelId: membership.channelId });
        } else {
          this.attach(subscriber, membership.channelId);
          subscriber.offer({
            kind: "catch-up",
            channelId: membership.channelId,
            attachAt: { epoch: membership.epoch, offset: membership.joinedOffset - 1 },
          });
        }
      }
      // Channels the person no longer belongs to: their last event is in the log.
      for (const channelId of followed) subscriber.offer({ kind: "catch-up", channelId });
    }
  }

  /** Stops listening and ends every open stream with `unavailable`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching?.();
    const unsubscribes = this.#unsubscribes.splice(0);
    for (const subscriber of [...this.#subscribers]) {
      subscriber.close(errors.shuttingDown());
      this.unregister(subscriber);
    }
    await Promise.allSettled(unsubscribes.map((unsubscribe) => unsubscribe()));
    await Promise.allSettled([...this.#chains.values()]);
  }

  // ---- Bus handlers ----

  #onChannelEvent(bytes: Uint8Array): void {
    // A durable event this instance already routed (typically its own, back from the bus) is
    // dropped before it is decoded.
    const position = peekPosition(bytes);
    if (position && position.offset > 0 && this.#placeOf(position) === "old") return;
    const event = this.#decode(bytes, CHANNEL_EVENTS_TOPIC);
    if (!event?.channelId) return;
    if (event.offset > 0n) {
      this.#durable(event);
    } else if (event.payload.case === "typing") {
      for (const subscriber of this.#byChannel.get(event.channelId) ?? []) {
        subscriber.offer({ kind: "event", event });
      }
    }
  }

  #onUserEvent(frame: Uint8Array): void {
    const unframed = unframeUserEvent(frame);
    if (!unframed) {
      this.#options.logger.warn({ topic: USER_EVENTS_TOPIC }, "malformed bus message dropped");
      return;
    }
    const recipients = this.#byUser.get(unframed.userId);
    if (!recipients) return;
    const event = this.#decode(unframed.event, USER_EVENTS_TOPIC);
    if (!event) return;
    for (const subscriber of recipients) subscriber.offer({ kind: "event", event });
  }

  #onPresence(bytes: Uint8Array): void {
    if (this.#subscribers.size === 0) return;
    const event = this.#decode(bytes, PRESENCE_TOPIC);
    if (event?.payload.case !== "presenceChanged") return;
    const subject = event.payload.value.presence?.userId;
    if (!subject) return;
    this.#options.channels.channelIdsOf(subject).then(
      (channelIds) => {
        const recipients = new Set(this.#byUser.get(subject) ?? []);
        for (const channelId of channelIds) {
          for (const subscriber of this.#byChannel.get(channelId) ?? []) {
            if (subscriber.follows(channelId)) recipients.add(subscriber);
          }
        }
        for (const subscriber of recipients) subscriber.offer({ kind: "event", event });
      },
      (err: unknown) =>
        this.#options.logger.warn({ err, userId: subject }, "presence change not routed"),
    );
  }

  #decode(bytes: Uint8Array, topic: string): MessagingEvent | undefined {
    try {
      return decodeEvent(bytes);
    } catch (err) {
      this.#options.logger.warn({ err, topic }, "malformed bus message dropped");
      return undefined;
    }
  }

  // ---- Durable events ----

  #durable(event: MessagingEvent): void {
    const channelId = event.channelId;
    const chain = this.#chains.get(channelId);
    // The usual case (the channel's next offset, or a duplicate) needs no log read: routed now.
    if (!chain && this.#routeNow(event)) return;
    const previous = chain ?? Promise.resolve();
    const next = previous
      .then(() => this.#routeInOrder(event))
      .catch((err: unknown) =>
        this.#options.logger.error(
          { err, channelId, offset: Number(event.offset) },
          "routing a channel event failed; streams will fill the gap from the log",
        ),
      );
    this.#chains.set(channelId, next);
    void next.then(() => {
      if (this.#chains.get(channelId) === next) this.#chains.delete(channelId);
    });
  }

  /**
   * Routes a durable event synchronously unless the log must fill a gap before it: true when done
   * with it (routed or dropped as a duplicate), false when it needs {@link #routeInOrder}.
   */
  #routeNow(event: MessagingEvent): boolean {
    if (this.#closed) return true;
    const place = this.#placeOf(event);
    if (place === "gap") return false;
    if (place === "next") this.#routeNext(event);
    return true;
  }

  async #routeInOrder(event: MessagingEvent): Promise<void> {
    if (this.#closed) return;
    const place = this.#placeOf(event);
    if (place === "old") return;
    const seen = this.#seen.get(event.channelId);
    if (place === "gap" && seen) {
      // The bus lost something: route the missing events first, from the durable log.
      const missing = await this.#readBetween(event.channelId, seen.offset, Number(event.offset));
      for (const stored of missing) this.#route(decodeEvent(stored.bytes));
    }
    this.#routeNext(event);
  }

  /**
   * Where a durable event stands against what this instance routed of its channel, the one rule
   * of both paths above: `old` (routed already: typically its own, back from the bus), `gap`
   * (events before it never arrived, and some stream may need them), or `next`. An event of
   * another epoch, or of a channel not tracked, is `next`.
   */
  #placeOf(event: {
    readonly channelId: string;
    readonly epoch: string;
    readonly offset: number | bigint;
  }): "old" | "gap" | "next" {
    const seen = this.#seen.get(event.channelId);
    if (!seen || seen.epoch !== event.epoch) return "next";
    const offset = Number(event.offset);
    if (offset <= seen.offset) return "old";
    if (offset > seen.offset + 1 && this.#subscribers.size > 0) return "gap";
    return "next";
  }

  #routeNext(event: MessagingEvent): void {
    this.#markSeen(event.channelId, event.epoch, Number(event.offset));
    this.#route(event);
  }

  /** The log's events of a channel with `after < offset < before`. */
  async #readBetween(channelId: string, after: number, before: number): Promise<StoredEvent[]> {
    const found: StoredEvent[] = [];
    let from = after;
    while (from < before - 1) {
      const batch = await this.#options.log.readEvents(
        channelId,
        from,
        Math.min(LOG_PAGE, before - 1 - from),
      );
      const wanted = batch.filter((stored) => stored.offset < before);
      if (wanted.length === 0) break;
      found.push(...wanted);
      from = wanted[wanted.length - 1]?.offset ?? before;
    }
    return found;
  }

  /** Offers a durable event to the streams following its channel, and to whom it concerns. */
  #route(event: MessagingEvent): void {
    const channelId = event.channelId;
    const recipients = new Set(this.#byChannel.get(channelId) ?? []);
    const membership = event.payload.case === "membershipChanged" ? event.payload.value : undefined;
    const arrives =
      membership &&
      (membership.change === MembershipChange.JOINED ||
        membership.change === MembershipChange.ADDED);
    const departs =
      membership &&
      (membership.change === MembershipChange.LEFT ||
        membership.change === MembershipChange.REMOVED);
    if (membership && arrives) {
      // The person's streams follow the channel from this event on, on whichever instance.
      for (const subscriber of this.#byUser.get(membership.userId) ?? []) {
        recipients.add(subscriber);
        this.attach(subscriber, channelId);
      }
    }
    for (const subscriber of recipients) subscriber.offer({ kind: "event", event });
    if (event.payload.case === "messageCreated") this.#authorHasRead(event);
    if (membership && departs) {
      for (const subscriber of this.#byUser.get(membership.userId) ?? []) {
        this.#unindex(subscriber, channelId);
      }
    }
    if (event.payload.case === "channelDeleted") {
      for (const subscriber of recipients) this.#unindex(subscriber, channelId);
      this.#seen.delete(channelId);
    }
  }

  /**
   * Sending a message moves its author's read position to it, the channel's newest message, so
   * nothing in the channel is unread for them: every instance tells the author's streams so from
   * the message itself (no second bus message, no query). See `SqliteMessageStore.sendMessage`.
   */
  #authorHasRead(event: MessagingEvent): void {
    if (event.payload.case !== "messageCreated") return;
    const message = event.payload.value.message;
    if (!message) return;
    const streams = this.#byUser.get(message.authorUserId);
    if (!streams) return;
    const readState = authorReadStateEvent(event.channelId, message);
    for (const subscriber of streams) subscriber.offer({ kind: "event", event: readState });
  }

  #unindex(subscriber: Subscriber, channelId: string): void {
    this.#indexed.get(subscriber)?.delete(channelId);
    removeFrom(this.#byChannel, channelId, subscriber);
  }

  #markSeen(channelId: string, epoch: string, offset: number): void {
    const seen = this.#seen.get(channelId);
    if (seen && seen.epoch === epoch && seen.offset >= offset) return;
    this.#seen.delete(channelId);
    this.#seen.set(channelId, { epoch, offset });
    if (this.#seen.size > this.#maxTracked) {
      const oldest = this.#seen.keys().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
  }
}

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

import type { MessagingEvent } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { encodeEvent } from "./event-codec.js";
import { CHANNEL_EVENTS_TOPIC, frameUserEvent, USER_EVENTS_TOPIC } from "./live/topics.js";
import type { Logger, PubSub, StoredEvent } from "./ports.js";

/** Where committed durable events go on this instance besides the bus (the hub). */
export interface LocalDispatch {
  dispatchLocal(events: readonly StoredEvent[]): void;
}

/**
 * Tells the other instances (and this one) what just happened. Called only after the change is
 * committed: durable events are already in the event log, so a bus failure is logged and never
 * fails the RPC (streams recover from the log). Ephemeral events are best effort by contract.
 * Publishing never waits: calls leave in commit order, and the caller returns at once.
 *
 * Other instances notice a durable event lost on the bus when the channel's next event reaches
 * them (its offset jumps), or when their own bus connection comes back (they resync). Neither
 * happens when it was this instance that could not publish while theirs stayed connected, so
 * the newest durable event of each channel whose publish failed is kept and published again
 * once the bus is back (or the next publish succeeds): their hubs then fill the gap from the
 * log instead of leaving the channel's last messages unseen until someone posts again.
 */
export class EventPublisher {
  /** Per channel, the newest durable event that could not be published. */
  readonly #unannounced = new Map<string, StoredEvent>();
  readonly #stopWatching: () => void;

  constructor(
    private readonly pubsub: PubSub,
    private readonly local: LocalDispatch | undefined,
    private readonly logger: Logger,
  ) {
    this.#stopWatching = pubsub.onConnectionChange((connected) => {
      if (connected) this.#announceMissed();
    });
  }

  /** Durable events, exactly as stored: to local streams at once, then on the bus. */
  durable(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    this.local?.dispatchLocal(events);
    for (const event of events) this.#publishDurable(event);
  }

  /** An ephemeral channel event (typing) to the channel's streams on every instance. */
  channelEvent(event: MessagingEvent): void {
    this.#publish(CHANNEL_EVENTS_TOPIC, encodeEvent(event), { channelId: event.channelId });
  }

  /** An event for one person's streams only (read_state_changed). */
  userEvent(userId: string, event: MessagingEvent): void {
    this.#publish(USER_EVENTS_TOPIC, frameUserEvent(userId, encodeEvent(event)), { userId });
  }

  /** Stops watching the bus connection. */
  close(): void {
    this.#stopWatching();
  }

  #publishDurable(event: StoredEvent): void {
    const fields = { channelId: event.channelId, offset: event.offset };
    this.#publish(CHANNEL_EVENTS_TOPIC, event.bytes, fields).then((published) => {
      const missed = this.#unannounced.get(event.channelId);
      if (published) {
        // A later event of the channel tells the others about the gap before it.
        if (missed && (missed.epoch !== event.epoch || missed.offset <= event.offset)) {
          this.#unannounced.delete(event.channelId);
        }
        if (this.#unannounced.size > 0) this.#announceMissed();
      } else if (!missed || missed.epoch !== event.epoch || missed.offset < event.offset) {
        this.#unannounced.set(event.channelId, event);
      }
    });
  }

  /** Publishes again the newest event of each channel whose publish failed. */
  #announceMissed(): void {
    const missed = [...this.#unannounced.values()];
    this.#unannounced.clear();
    for (const event of missed) this.#publishDurable(event);
  }

  /** Resolves true once handed to the bus, false when that failed (logged). Never rejects. */
  #publish(topic: string, payload: Uint8Array, fields: object): Promise<boolean> {
    let sent: Promise<void>;
    try {
      sent = this.pubsub.publish(topic, payload);
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.then(
      () => true,
      (err: unknown) => {
        this.logger.warn(
          { err, topic, ...fields },
          "bus publish failed; durable events reach streams from the event log",
        );
        return false;
      },
    );
  }
}

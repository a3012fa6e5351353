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
 */
export class EventPublisher {
  constructor(
    private readonly pubsub: PubSub,
    private readonly local: LocalDispatch | undefined,
    private readonly logger: Logger,
  ) {}

  /** Durable events, exactly as stored: to local streams at once, then on the bus. */
  durable(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    this.local?.dispatchLocal(events);
    for (const event of events) {
      this.#publish(CHANNEL_EVENTS_TOPIC, event.bytes, {
        channelId: event.channelId,
        offset: event.offset,
      });
    }
  }

  /** An ephemeral channel event (typing) to the channel's streams on every instance. */
  channelEvent(event: MessagingEvent): void {
    this.#publish(CHANNEL_EVENTS_TOPIC, encodeEvent(event), { channelId: event.channelId });
  }

  /** An event for one person's streams only (read_state_changed). */
  userEvent(userId: string, event: MessagingEvent): void {
    this.#publish(USER_EVENTS_TOPIC, frameUserEvent(userId, encodeEvent(event)), { userId });
  }

  #publish(topic: string, payload: Uint8Array, fields: object): void {
    let sent: Promise<void>;
    try {
      sent = this.pubsub.publish(topic, payload);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch((err: unknown) =>
      this.logger.warn(
        { err, topic, ...fields },
        "bus publish failed; durable events reach streams from the event log",
      ),
    );
  }
}

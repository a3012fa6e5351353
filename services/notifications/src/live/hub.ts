import { randomUUID } from "node:crypto";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type NotificationEvent,
  NotificationEventSchema,
} from "@parley/gen/parley/notifications/v1/events_pb.js";
import type { Logger, PubSub } from "../ports.js";
import type { NotificationStream } from "./notification-stream.js";
import { frameUserEvent, USER_EVENTS_TOPIC, unframeUserEvent } from "./topics.js";

export interface NotificationHubOptions {
  readonly pubsub: PubSub;
  readonly logger: Logger;
}

/**
 * This instance's live fan-out: which of its streams belong to whom, and the bus that carries
 * each person's events to the instances holding their other streams.
 *
 * {@link publish} delivers to this instance's streams at once (even while the bus is down) and
 * puts the event on the bus for the others; an instance skips its own frames when they come
 * back. The bus is at most once and nothing is replayed: a stream that misses an event (bus
 * outage) still gets the right unread count with its next heartbeat, and clients refetch the
 * inbox when they reconnect, as the contract says.
 */
export class NotificationHub {
  readonly #pubsub: PubSub;
  readonly #logger: Logger;
  readonly #origin = Uint8Array.from(Buffer.from(randomUUID().replaceAll("-", ""), "hex"));
  readonly #streams = new Map<string, Set<NotificationStream>>();
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(options: NotificationHubOptions) {
    this.#pubsub = options.pubsub;
    this.#logger = options.logger;
  }

  /** Streams open on this instance (for tests and metrics). */
  get streamCount(): number {
    let count = 0;
    for (const set of this.#streams.values()) count += set.size;
    return count;
  }

  async start(): Promise<void> {
    if (this.#unsubscribe) return;
    this.#unsubscribe = await this.#pubsub.subscribe(USER_EVENTS_TOPIC, (payload) =>
      this.#received(payload),
    );
  }

  register(stream: NotificationStream): void {
    let set = this.#streams.get(stream.userId);
    if (!set) {
      set = new Set();
      this.#streams.set(stream.userId, set);
    }
    set.add(stream);
  }

  unregister(stream: NotificationStream): void {
    const set = this.#streams.get(stream.userId);
    if (!set) return;
    set.delete(stream);
    if (set.size === 0) this.#streams.delete(stream.userId);
  }

  /**
   * Sends an event to every stream of `userId`, here at once and elsewhere through the bus.
   * Never throws and never waits: a bus failure is logged (the change is already stored).
   */
  publish(userId: string, event: NotificationEvent): void {
    this.#dispatch(userId, event);
    let frame: Uint8Array;
    try {
      frame = frameUserEvent({
        origin: this.#origin,
        userId,
        event: toBinary(NotificationEventSchema, event),
      });
    } catch (err) {
      this.#logger.error({ err, userId }, "notification event could not be framed");
      return;
    }
    let sent: Promise<void>;
    try {
      sent = this.#pubsub.publish(USER_EVENTS_TOPIC, frame);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch((err: unknown) =>
      this.#logger.warn(
        { err, userId, event: event.payload.case },
        "bus publish failed; streams on other instances catch up with their next heartbeat",
      ),
    );
  }

  /** Ends every stream on this instance with `error` and leaves the bus. */
  async close(error?: unknown): Promise<void> {
    for (const set of this.#streams.values()) for (const stream of set) stream.close(error);
    this.#streams.clear();
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.();
  }

  #received(payload: Uint8Array): void {
    const frame = unframeUserEvent(payload);
    if (!frame) {
      this.#logger.warn({ bytes: payload.length }, "unreadable frame on the notifications bus");
      return;
    }
    if (Buffer.from(frame.origin).equals(Buffer.from(this.#origin))) return;
    if (!this.#streams.has(frame.userId)) return;
    let event: NotificationEvent;
    try {
      event = fromBinary(NotificationEventSchema, frame.event);
    } catch (err) {
      this.#logger.warn({ err, userId: frame.userId }, "undecodable notification event on the bus");
      return;
    }
    this.#dispatch(frame.userId, event);
  }

  #dispatch(userId: string, event: NotificationEvent): void {
    const set = this.#streams.get(userId);
    if (!set) return;
    for (const stream of [...set]) stream.offer(event);
  }
}

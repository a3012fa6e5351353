import type { MessagingEvent } from "@parley/gen/parley/messaging/v1/events_pb.js";
import type { StreamSink } from "@parley/mesh";
import { EventQueue } from "@parley/mesh";
import { subscribeResponseFrame } from "./event-frames.js";

/**
 * Events ready for the client that may wait in an outlet; when it is full, a stream's pump waits
 * and its live events pile up in its inbox (which ends the stream past its limit).
 */
const OUTLET_CAPACITY = 256;

/** Where a {@link import("./subscriber.js").Subscriber} puts its stream's events, in order. */
export interface Outlet {
  /**
   * Takes the event if there is room now; false when full (the event was not taken). Once the
   * outlet ended, events are dropped and this returns true.
   */
  offer(event: MessagingEvent): boolean;
  /** Resolves when {@link offer} may succeed again (there is room, or the outlet ended). */
  room(): Promise<void>;
  /** Ends the client's stream, cleanly or with an error. The first call wins. */
  end(error?: unknown): void;
}

/**
 * An outlet the Subscribe handler yields from (`events()`), for streams that cannot write frames
 * directly: in-memory transports, and anything else without a sink. connect serializes each
 * event for the stream.
 */
export class QueueOutlet implements Outlet {
  readonly #queue = new EventQueue<MessagingEvent>(OUTLET_CAPACITY);

  offer(event: MessagingEvent): boolean {
    return this.#queue.ended || this.#queue.tryPush(event);
  }

  room(): Promise<void> {
    return this.#queue.room();
  }

  end(error?: unknown): void {
    this.#queue.end(error);
  }

  /** The events in order; throws the error the outlet ended with. */
  events(): AsyncGenerator<MessagingEvent> {
    return this.#queue.drain();
  }
}

/**
 * An outlet that writes each event's shared, pre-encoded frame straight to the stream's sink
 * (see the mesh's `StreamSink`): the event is serialized once per instance, whatever the number
 * of streams, and nothing runs per event between here and the connection but a buffer append.
 */
export class SinkOutlet implements Outlet {
  readonly #sink: StreamSink;
  /** Settles when the outlet ends: with the error to end the stream with, or undefined. */
  readonly ended: Promise<unknown>;
  #resolve!: (error: unknown) => void;
  #done = false;

  constructor(sink: StreamSink) {
    this.#sink = sink;
    this.ended = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  offer(event: MessagingEvent): boolean {
    const sink = this.#sink;
    if (this.#done || sink.closed) return true;
    if (sink.backlog >= OUTLET_CAPACITY) return false;
    sink.write(subscribeResponseFrame(event, sink.codec));
    return true;
  }

  room(): Promise<void> {
    if (this.#done) return Promise.resolve();
    return this.#sink.drained(OUTLET_CAPACITY - 1);
  }

  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#resolve(error);
  }
}

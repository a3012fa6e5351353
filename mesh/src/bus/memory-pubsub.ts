import { withConsumerSpan, withProducerSpan } from "./consumer-span.js";
import type { PubSub } from "./pubsub.js";

type Handler = (payload: Uint8Array) => void;

/**
 * The in-process bus of the single-process mode: every instance is this process. Delivery is
 * asynchronous (a microtask later), like Redis, so publishers never re-enter their subscribers.
 */
export class MemoryPubSub implements PubSub {
  readonly connected = true;
  readonly #topics = new Map<string, Set<Handler>>();

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    const handlers = this.#topics.get(topic);
    if (!handlers || handlers.size === 0) return;
    const targets = [...handlers];
    const message = { system: "in_process", topic, bodySize: payload.byteLength };
    await withProducerSpan(message, async (carrier) => {
      queueMicrotask(() => {
        withConsumerSpan({ ...message, carrier }, () => {
          for (const handler of targets) handler(payload);
        });
      });
    });
  }

  async subscribe(topic: string, handler: Handler): Promise<() => Promise<void>> {
    let handlers = this.#topics.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.#topics.set(topic, handlers);
    }
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
    };
  }

  onConnectionChange(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.#topics.clear();
  }
}

/**
 * A bounded single-consumer queue between a server stream's producer (a delivery pump, a hub)
 * and the RPC that writes to the client. The producer either awaits room ({@link push}), so a
 * slow reader slows its own pump and nothing else, or offers without waiting ({@link tryPush})
 * and ends the stream when the reader is too far behind; {@link end} with an error stops the
 * stream at once. Shared by every service with live streams.
 */
export class EventQueue<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  readonly #producers: (() => void)[] = [];
  #consumer: (() => void) | undefined;
  #ended = false;
  #error: unknown;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Adds an item, waiting while the queue is full; dropped silently once the queue ended. */
  async push(item: T): Promise<void> {
    while (!this.#ended && this.#items.length >= this.#capacity) await this.room();
    if (this.#ended) return;
    this.#items.push(item);
    this.#wakeConsumer();
  }

  /** Resolves once there is room for an item, or once the queue ended. */
  room(): Promise<void> {
    if (this.#ended || this.#items.length < this.#capacity) return Promise.resolve();
    return new Promise<void>((resolve) => this.#producers.push(resolve));
  }

  /** Adds an item only if there is room now. */
  tryPush(item: T): boolean {
    if (this.#ended || this.#items.length >= this.#capacity) return false;
    this.#items.push(item);
    this.#wakeConsumer();
    return true;
  }

  /**
   * Ends the queue. Without an error the consumer still gets what is queued; with one, queued
   * items are dropped and the consumer throws it. The first call wins.
   */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (error !== undefined) this.#items.length = 0;
    this.#wakeConsumer();
    for (const wake of this.#producers.splice(0)) wake();
  }

  /** Yields items as they come until the queue ends (then returns, or throws its error). */
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        this.#producers.shift()?.();
        yield item;
        continue;
      }
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#consumer = resolve;
      });
    }
  }

  #wakeConsumer(): void {
    const wake = this.#consumer;
    this.#consumer = undefined;
    wake?.();
  }
}

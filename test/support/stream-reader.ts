import { ConnectError } from "@connectrpc/connect";

/** How long a test waits for an event, or for the end of a stream, before failing (default). */
const WAIT_MS = 10_000;

/** An event of a Subscribe-style stream: a oneof payload, heartbeats among its cases. */
export interface StreamEvent {
  readonly payload: { readonly case: string | undefined };
}

/**
 * A test's view of one server stream of `{ event }` responses (messaging's and notifications'
 * Subscribe): every event is kept in `events`, and the test reads them in order with a time
 * limit, so a missing event fails the test instead of hanging it.
 */
export class StreamReader<E extends StreamEvent> {
  readonly events: E[] = [];
  error: ConnectError | undefined;
  #read = 0;
  #wake: (() => void) | undefined;
  #ended = false;
  readonly #abort = new AbortController();
  /** How long one wait (for an event, or for the end) may take. */
  protected readonly waitMs: number;

  /**
   * `open` starts the call with the stream's abort signal (closed by {@link close}). Events are
   * read from the first turn after construction on, each passed to {@link onEvent} first.
   */
  constructor(
    open: (signal: AbortSignal) => AsyncIterable<{ readonly event?: E | undefined }>,
    options: { readonly waitMs?: number } = {},
  ) {
    this.waitMs = options.waitMs ?? WAIT_MS;
    const responses = open(this.#abort.signal);
    void (async () => {
      try {
        for await (const res of responses) {
          if (!res.event) continue;
          this.onEvent(res.event);
          this.events.push(res.event);
          this.#wakeUp();
        }
      } catch (err) {
        this.error = ConnectError.from(err);
      } finally {
        this.#ended = true;
        this.#wakeUp();
      }
    })();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The next event `matches` accepts, skipping (and consuming) the others, all within one wait;
   * `what` names it in the error when none comes.
   */
  async nextWhere(matches: (event: E) => boolean, what = "a matching event"): Promise<E> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const event = await this.nextRaw(deadline, what);
      if (matches(event)) return event;
    }
  }

  /** The next event that is not a heartbeat (unless `heartbeats`). */
  next(heartbeats = false): Promise<E> {
    return this.nextWhere((event) => heartbeats || event.payload.case !== "heartbeat", "an event");
  }

  /** The next event of the given kind, skipping others. */
  async nextOf<K extends NonNullable<E["payload"]["case"]>>(
    kind: K,
  ): Promise<E & { payload: Extract<E["payload"], { case: K }> }> {
    const event = await this.nextWhere((e) => e.payload.case === kind, `a ${kind} event`);
    return event as E & { payload: Extract<E["payload"], { case: K }> };
  }

  /**
   * The stream's first event (heartbeats aside), which must be `subscribed`: otherwise the stream
   * is closed and this throws.
   */
  async firstSubscribed(): Promise<E & { payload: Extract<E["payload"], { case: "subscribed" }> }> {
    const first = await this.next();
    if (first.payload.case !== "subscribed") {
      this.close();
      throw new Error(`the first event was ${first.payload.case}, not subscribed`);
    }
    return first as E & { payload: Extract<E["payload"], { case: "subscribed" }> };
  }

  /** Waits for the stream to end and returns its error (undefined when it ended cleanly). */
  async end(): Promise<ConnectError | undefined> {
    const deadline = Date.now() + this.waitMs;
    while (!this.#ended) {
      if (Date.now() > deadline) throw new Error("the stream did not end");
      await this.#wait(deadline);
    }
    return this.error;
  }

  close(): void {
    this.#abort.abort();
  }

  /** Called with every event as it arrives, before it is kept (subclasses track state here). */
  protected onEvent(_event: E): void {}

  /**
   * The next unread event of any kind, heartbeats included, waiting until `deadline` at most;
   * `what` names what the caller waits for in the error.
   */
  protected async nextRaw(deadline = Date.now() + this.waitMs, what = "an event"): Promise<E> {
    for (;;) {
      const event = this.events[this.#read];
      if (event) {
        this.#read++;
        return event;
      }
      if (this.#ended) {
        throw new Error(
          `the stream ended (${this.error?.message ?? "cleanly"}) while waiting for ${what}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`waited in vain for ${what}`);
      await this.#wait(deadline);
    }
  }

  #wait(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

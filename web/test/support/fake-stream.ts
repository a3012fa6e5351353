import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type {
  MessagingEvent,
  StreamPositionSchema,
} from "@parley/gen/parley/messaging/v1/events_pb.js";

type Position = MessageInitShape<typeof StreamPositionSchema>;

/** One Subscribe stream the test writes into; ends with Canceled when the client aborts. */
export class FakeStream implements AsyncIterable<MessagingEvent> {
  readonly #queue: MessagingEvent[] = [];
  #end: { error?: unknown } | undefined;
  #wake: (() => void) | undefined;
  aborted = false;

  constructor(signal: AbortSignal) {
    signal.addEventListener("abort", () => {
      this.aborted = true;
      this.fail(new ConnectError("aborted", Code.Canceled));
    });
  }

  push(...events: MessagingEvent[]): void {
    this.#queue.push(...events);
    this.#wake?.();
  }

  fail(error: unknown): void {
    this.#end ??= { error };
    this.#wake?.();
  }

  end(): void {
    this.#end ??= {};
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MessagingEvent> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#end) {
        if (this.#end.error !== undefined) throw this.#end.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

/** Records every Subscribe the client opens, with the positions it sent. */
export class FakeSubscribe {
  readonly opens: { positions: Position[]; stream: FakeStream }[] = [];

  readonly open = (positions: Position[], signal: AbortSignal): AsyncIterable<MessagingEvent> => {
    const stream = new FakeStream(signal);
    this.opens.push({ positions, stream });
    return stream;
  };

  get last(): FakeStream {
    const open = this.opens.at(-1);
    if (!open) throw new Error("no stream opened yet");
    return open.stream;
  }
}

/** Waits until `condition` holds (polling; fails after a generous 10 s). */
export async function until(condition: () => boolean, what = "condition"): Promise<void> {
  const give = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > give) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

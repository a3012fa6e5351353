import type { ServerHttp2Stream } from "node:http2";
import { createContextKey, createContextValues } from "@connectrpc/connect";
import {
  encodeEnvelope,
  type UniversalHandler,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";

/** How a stream's response messages are serialized on the wire: protobuf binary or JSON. */
export type StreamCodec = "proto" | "json";

/**
 * A server stream's direct line to its connection, for handlers that send one message to many
 * streams (a chat message to every member): the handler serializes the message once, frames it
 * with {@link frameMessage}, and writes the same bytes to every stream's sink, instead of yielding
 * it to every stream's generator (where connect would serialize it again for each stream and
 * pass it through a chain of async iterables, one per interceptor, per message).
 *
 * What stays as it was: the request, the interceptors (access policy, validation, logging,
 * tracing, error mapping) and the protocol (headers, trailers, errors) are still connect's, for
 * Connect, gRPC and gRPC-Web alike. The handler yields its first response normally (connect sends
 * the headers with it) and then, instead of yielding, writes frames here until it finishes; when
 * the handler returns or throws, connect ends the stream as usual (status in the trailers or the
 * end-of-stream message) after every frame written before.
 *
 * Frames written in one turn of the event loop reach the connection as one write. A sink never
 * blocks a writer: frames wait in memory while the client or the network pushes back, and
 * {@link StreamSink.backlog} says how many, so the handler decides when a reader is too slow.
 */
export interface StreamSink {
  /** The serialization every frame written here must use (the request's content type). */
  readonly codec: StreamCodec;
  /** Frames written and not yet handed to the connection. */
  readonly backlog: number;
  /** The response is over (handler finished, client gone, or a write failed): writes are dropped. */
  readonly closed: boolean;
  /** Appends one framed response message ({@link frameMessage}) in this sink's codec. */
  write(frame: Uint8Array): void;
  /** Resolves once at most `level` frames wait (default 0), or when the sink closes. */
  drained(level?: number): Promise<void>;
  /** Calls `listener` once when the sink closes (at once if it already is). */
  onClose(listener: () => void): void;
}

/**
 * Set by serve() on every server-streaming call made with a codec the sink supports; read it with
 * `ctx.values.get(kStreamSink)` in the handler. Undefined elsewhere (in-memory router transports,
 * other servers): the handler then yields its messages as usual.
 */
export const kStreamSink = createContextKey<StreamSink | undefined>(undefined, {
  description: "the server stream's direct frame sink",
});

/**
 * The HTTP/2 stream of the request (set by serve() for HTTP/2 requests): a sink writes its
 * frames to it directly once connect has sent the response headers.
 */
export const kHttp2Stream = createContextKey<ServerHttp2Stream | undefined>(undefined, {
  description: "the request's HTTP/2 stream",
});

/**
 * The length-prefixed frame of one response message, as Connect's, gRPC's and gRPC-Web's
 * streams all carry it: `[flags = 0][u32 big-endian length][message]` (uncompressed, which every
 * protocol allows whatever compression was negotiated).
 */
export function frameMessage(message: Uint8Array): Uint8Array {
  return encodeEnvelope(0, message);
}

/**
 * The content types of Connect, gRPC and gRPC-Web streams, by codec. gRPC-Web's base64 text
 * variant is not one of them (connect-es does not serve it).
 */
const STREAM_CONTENT_TYPE = /^application\/(?:connect|grpc|grpc-web)(?:\+(proto|json))?$/;

/** The codec of a streaming request's content type, or undefined for anything else. */
export function streamCodecOf(contentType: string | null): StreamCodec | undefined {
  if (!contentType) return undefined;
  const type = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  const match = STREAM_CONTENT_TYPE.exec(type);
  if (!match) return undefined;
  // Connect's streaming types always name the codec; gRPC's and gRPC-Web's default to proto.
  if (match[1] === undefined && type.startsWith("application/connect")) return undefined;
  return match[1] === "json" ? "json" : "proto";
}

/**
 * Gives every server-streaming handler in `handlers` a {@link StreamSink} (see there), replacing
 * the entries in place. Run on the router's handlers before the adapter reads them.
 */
export function enableStreamSinks(handlers: UniversalHandler[]): void {
  for (const [i, handler] of handlers.entries()) {
    if (handler.method.methodKind !== "server_streaming") continue;
    const wrapped = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
      const codec = streamCodecOf(req.header.get("content-type"));
      if (!codec) return handler(req);
      const contextValues = req.contextValues ?? createContextValues();
      const sink = new Sink(codec, contextValues.get(kHttp2Stream));
      contextValues.set(kStreamSink, sink);
      let res: UniversalServerResponse;
      try {
        res = await handler({ ...req, contextValues });
      } catch (err) {
        sink.close();
        throw err;
      }
      if (!res.body) {
        sink.close();
        return res;
      }
      return { ...res, body: sink.merge(res.body) };
    };
    handlers[i] = Object.assign(wrapped, handler);
  }
}

/**
 * The sink of one stream, and the response body that merges its frames with connect's.
 *
 * Over HTTP/2, once connect has written the response headers and its first chunk, frames are
 * written straight to the request's HTTP/2 stream, all those of one turn of the event loop in
 * one write (a microtask after the first), pausing while the stream asks to wait for `drain`.
 * Over HTTP/1.1 (or before the headers) they go out through the body as chunks of their own.
 * Either way every frame leaves before connect's next chunk (the end of the stream).
 */
class Sink implements StreamSink {
  readonly codec: StreamCodec;
  #frames: Uint8Array[] = [];
  #closed = false;
  /** The body's reader, waiting for frames or for connect's next chunk. */
  #wake: (() => void) | undefined;
  #drainWaiters: { readonly level: number; readonly resolve: () => void }[] = [];
  #closeListeners: (() => void)[] = [];
  /** Where frames go directly once the headers are out (HTTP/2 only). */
  readonly #stream: ServerHttp2Stream | undefined;
  /** Connect's first chunk went out: direct writes may follow it. */
  #started = false;
  #flushQueued = false;
  /** The stream asked to wait for `drain` before more writes. */
  #blocked = false;

  constructor(codec: StreamCodec, stream: ServerHttp2Stream | undefined) {
    this.codec = codec;
    this.#stream = stream;
  }

  get backlog(): number {
    return this.#frames.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(frame: Uint8Array): void {
    if (this.#closed) return;
    this.#frames.push(frame);
    if (this.#direct()) {
      if (!this.#flushQueued && !this.#blocked) {
        this.#flushQueued = true;
        queueMicrotask(() => {
          this.#flushQueued = false;
          this.#flushDirect();
        });
      }
      return;
    }
    this.#wakeReader();
  }

  /** Whether frames go straight to the HTTP/2 stream now. */
  #direct(): boolean {
    return this.#started && this.#stream !== undefined;
  }

  /** Writes every waiting frame to the HTTP/2 stream, unless it asked to wait. */
  #flushDirect(force = false): void {
    const stream = this.#stream;
    if (!stream || this.#closed || (this.#blocked && !force)) return;
    if (stream.destroyed || stream.closed) {
      this.close();
      return;
    }
    const chunk = this.#take();
    if (!chunk) return;
    if (!stream.write(chunk) && !this.#blocked) {
      this.#blocked = true;
      stream.once("drain", () => {
        this.#blocked = false;
        this.#flushDirect();
      });
    }
  }

  drained(level = 0): Promise<void> {
    if (this.#closed || this.#frames.length <= level) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push({ level, resolve }));
  }

  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closeListeners.push(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frames = [];
    this.#wakeReader();
    this.#settleDrainWaiters();
    for (const listener of this.#closeListeners.splice(0)) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the others still hear about the close.
      }
    }
  }

  /**
   * The response body: connect's chunks, with the frames written here in between. Frames go out
   * before connect's next chunk (the end of the stream included), all those waiting in one chunk.
   */
  merge(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    const inner = body[Symbol.asyncIterator]();
    /** Whether connect's next chunk has been asked for and has not come yet. */
    let asking = false;
    let result: IteratorResult<Uint8Array> | undefined;
    let failure: { readonly error: unknown } | undefined;
    let finished = false;
    /** A chunk of connect's went out. */
    let yielded = false;
    const iterator: AsyncIterator<Uint8Array> = {
      next: async () => {
        // The adapter asks for a chunk only once it wrote the previous one (and the headers
        // before the first): from then on frames may go to the stream directly.
        if (yielded) this.#started = true;
        for (;;) {
          // Frames go out before connect's next chunk: directly (in order on the stream),
          // or as a chunk of their own.
          if (this.#direct()) {
            if (result || failure) this.#flushDirect(true);
          } else {
            const frames = this.#take();
            if (frames) return { done: false, value: frames };
          }
          if (finished) return { done: true, value: undefined };
          if (failure) {
            finished = true;
            this.close();
            throw failure.error;
          }
          if (result) {
            const chunk = result;
            result = undefined;
            if (chunk.done) {
              finished = true;
              this.close();
              return { done: true, value: undefined };
            }
            yielded = true;
            return chunk;
          }
          if (!asking) {
            asking = true;
            inner.next().then(
              (next) => {
                asking = false;
                result = next;
                this.#wakeReader();
              },
              (error: unknown) => {
                asking = false;
                failure = { error };
                this.#wakeReader();
              },
            );
          }
          // Asking connect for its next chunk may run the handler, which may write frames.
          if (result || failure || (this.#frames.length > 0 && !this.#direct())) continue;
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
      },
      return: async (value?: unknown) => {
        finished = true;
        this.close();
        // Not awaited: connect's side finishes once the handler has seen the close.
        inner.return?.(value).catch(() => {});
        return { done: true, value: undefined };
      },
      throw: async (error?: unknown) => {
        finished = true;
        this.close();
        if (inner.throw) return inner.throw(error);
        throw error;
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  /** Everything waiting, as one chunk (undefined when nothing waits). */
  #take(): Uint8Array | undefined {
    const frames = this.#frames;
    if (frames.length === 0) return undefined;
    this.#frames = [];
    this.#settleDrainWaiters();
    if (frames.length === 1) return frames[0];
    return Buffer.concat(frames);
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #settleDrainWaiters(): void {
    if (this.#drainWaiters.length === 0) return;
    const backlog = this.#closed ? 0 : this.#frames.length;
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const waiter of waiting) {
      if (backlog <= waiter.level) waiter.resolve();
      else this.#drainWaiters.push(waiter);
    }
  }
}

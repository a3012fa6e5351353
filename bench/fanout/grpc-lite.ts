import { type ClientHttp2Session, connect, constants } from "node:http2";

/**
 * A small gRPC client over `node:http2` for the fan-out load generator: the wire protocol as
 * any gRPC client speaks it (POST, `application/grpc`, `te: trailers`, length-prefixed messages,
 * `grpc-status` in the trailers), and nothing else: no interceptors, no retries, no async
 * iterables per message. Messages are handed over as bytes; the caller decodes them (the bench
 * decodes every event in full with protobuf-es, as a real client would).
 *
 * Why not connect-node's client: with every subscriber of both stacks in one process on one
 * core, its per-message client pipeline costs more than the Parley servers spend on the same
 * delivery, so the runner's core, not the servers, capped what a run could show (the first
 * figures said so: "client-bound"). Socket.IO's client is a thin layer over a websocket.
 */
export class GrpcLiteConnection {
  readonly #session: ClientHttp2Session;

  constructor(baseUrl: string) {
    this.#session = connect(baseUrl);
    this.#session.on("error", () => {});
    // A connection carries many streams: a connection window (64 KiB by default) that large.
    this.#session.once("connect", (session) => session.setLocalWindowSize(16 * 1024 * 1024));
  }

  /** One unary call: resolves with the response message's bytes, rejects with its status. */
  unary(path: string, headers: Record<string, string>, request: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const stream = this.#session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      const frames = new FrameReader();
      let message: Uint8Array | undefined;
      stream.on("data", (chunk: Buffer) => {
        for (const frame of frames.push(chunk)) message = frame;
      });
      stream.on("trailers", (trailers) => {
        const status = Number(trailers["grpc-status"] ?? 2);
        if (status === 0 && message) resolve(message);
        else reject(grpcError(status, trailers["grpc-message"]));
      });
      stream.on("response", (head) => {
        // Trailers-only responses carry the status in the headers.
        if (head["grpc-status"] !== undefined && head["grpc-status"] !== "0") {
          reject(grpcError(Number(head["grpc-status"]), head["grpc-message"]));
        }
      });
      stream.on("error", reject);
      stream.on("close", () => reject(new Error(`stream closed (${stream.rstCode})`)));
      stream.end(envelope(request));
    });
  }

  /**
   * A server stream: `onMessage` gets each response message's bytes; resolves when the stream
   * ends cleanly, rejects with its status otherwise (or when `signal` aborts).
   */
  serverStream(
    path: string,
    headers: Record<string, string>,
    request: Uint8Array,
    onMessage: (message: Uint8Array) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.#session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      const abort = () => stream.close(constants.NGHTTP2_CANCEL);
      signal.addEventListener("abort", abort, { once: true });
      const frames = new FrameReader();
      let settled = false;
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", abort);
        if (error) reject(error);
        else resolve();
      };
      stream.on("data", (chunk: Buffer) => {
        for (const frame of frames.push(chunk)) onMessage(frame);
      });
      stream.on("trailers", (trailers) => {
        const status = Number(trailers["grpc-status"] ?? 2);
        settle(status === 0 ? undefined : grpcError(status, trailers["grpc-message"]));
      });
      stream.on("response", (head) => {
        if (head["grpc-status"] !== undefined && head["grpc-status"] !== "0") {
          settle(grpcError(Number(head["grpc-status"]), head["grpc-message"]));
        }
      });
      stream.on("error", (err) => settle(err));
      stream.on("close", () => settle(new Error(`stream closed (${stream.rstCode})`)));
      stream.end(envelope(request));
    });
  }

  close(): void {
    this.#session.destroy();
  }
}

function envelope(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.byteLength);
  new DataView(out.buffer).setUint32(1, message.byteLength);
  out.set(message, 5);
  return out;
}

function grpcError(status: number, message: unknown): Error {
  const text = typeof message === "string" ? decodeURIComponent(message) : "";
  return Object.assign(new Error(`grpc-status ${status}: ${text}`), { grpcStatus: status });
}

/** Splits a stream's DATA into length-prefixed messages (uncompressed: the bench asks for none). */
class FrameReader {
  #pending: Buffer | undefined;

  *push(chunk: Buffer): Generator<Uint8Array> {
    let buffer = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    let at = 0;
    while (buffer.length - at >= 5) {
      const length = buffer.readUInt32BE(at + 1);
      if (buffer.length - at < 5 + length) break;
      if ((buffer[at] ?? 0) & 1) throw new Error("compressed message: the bench asks for none");
      yield buffer.subarray(at + 5, at + 5 + length);
      at += 5 + length;
    }
    if (at < buffer.length) this.#pending = Buffer.from(buffer.subarray(at));
    buffer = Buffer.alloc(0);
  }
}

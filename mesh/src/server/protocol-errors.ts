import { base64Decode } from "@bufbuild/protobuf/wire";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";

/**
 * What connect-es (2.1) says, under `internal`, about request bodies it cannot decode: protobuf
 * bytes that do not parse, a frame flagged compressed without a negotiated encoding, compressed
 * data that does not decompress. Those are the caller's fault; answered as `internal` (HTTP 500)
 * they would make one client's garbage count as server errors in alerts and in Envoy's outlier
 * detection. The mesh answers `invalid_argument` instead, as connect-go does.
 */
const DECODE_FAILURE =
  /^(?:parse binary: |received compressed envelope, but do not know how to decompress$|decompression failed$)/;

/**
 * Longest `grpc-message` sent, percent-encoded. connect-es quotes request headers in some
 * protocol errors (`unknown compression "<grpc-encoding>"`) and percent-encoding triples them,
 * so a 6 KB header came back as an 18 KB trailer: more than HTTP clients (16 KiB) and grpc-js
 * (8 KiB of metadata) accept, and through Envoy a 502 charged to this instance.
 */
const MAX_GRPC_MESSAGE = 1024;

/** Whether an error is connect-es reporting an undecodable request body as `internal`. */
export function isDecodeFailure(err: unknown): err is ConnectError {
  return (
    err instanceof ConnectError && err.code === Code.Internal && DECODE_FAILURE.test(err.rawMessage)
  );
}

/** The `invalid_argument` error a decode failure should have been. */
export function asInvalidArgument(err: ConnectError): ConnectError {
  return new ConnectError(err.rawMessage, Code.InvalidArgument, err.metadata, undefined, err);
}

/** Set per request; the interceptors flip it when the request message was decoded. */
const kDecoded = createContextKey<{ decoded: boolean } | undefined>(undefined, {
  description: "request reached the interceptors",
});

/**
 * The first interceptor: a unary request that reaches it was decoded, so a failure after this
 * point (say a peer's garbage answer to an outgoing call) stays the server's fault.
 */
export function decodedMarker(): Interceptor {
  return (next) => (req) => {
    const state = req.contextValues.get(kDecoded);
    if (state) state.decoded = true;
    return next(req);
  };
}

/**
 * Wraps the router's handlers to correct what connect-es answers on its own, outside the
 * interceptors, in every protocol (Connect: HTTP status and JSON error; gRPC: trailers; gRPC-Web:
 * trailer frame):
 * - a unary request whose body fails to decode before any interceptor ran gets
 *   `invalid_argument` (streaming requests are decoded inside the interceptors, where the
 *   validation interceptor maps the same failures), and so does a Connect GET whose `message`
 *   parameter is not the base64 it claims to be;
 * - `grpc-message` is cut to {@link MAX_GRPC_MESSAGE} bytes.
 */
export function correctProtocolErrors(handlers: UniversalHandler[]): void {
  for (const [i, handler] of handlers.entries()) {
    const byGet = handler.allowedMethods.includes("GET");
    const wrapped = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
      const badQuery = byGet && req.method === "GET" ? undecodableQueryMessage(req.url) : undefined;
      if (badQuery) return connectUnaryError(Code.InvalidArgument, badQuery);
      const state = { decoded: false };
      const contextValues: ContextValues = req.contextValues ?? createContextValues();
      contextValues.set(kDecoded, state);
      const res = await handler({ ...req, contextValues });
      return correct(res, () => !state.decoded);
    };
    handlers[i] = Object.assign(wrapped, handler);
  }
}

async function correct(
  res: UniversalServerResponse,
  undecoded: () => boolean,
): Promise<UniversalServerResponse> {
  const type = res.header?.get("content-type") ?? "";
  if (type.startsWith("application/grpc-web")) {
    return res.body ? { ...res, body: correctTrailerFrames(res.body, undecoded) } : res;
  }
  if (type.startsWith("application/grpc")) {
    // The status lands in the trailers while the body is read.
    const fix = () => {
      if (res.trailer) correctTrailer(res.trailer, undecoded());
    };
    if (!res.body) fix();
    return res.body ? { ...res, body: afterLast(res.body, fix) } : res;
  }
  if (res.status === 500 && res.body && undecoded() && !res.header?.has("content-encoding")) {
    return correctConnectUnaryError(res, res.body);
  }
  return res;
}

async function* afterLast<T>(items: AsyncIterable<T>, then: () => void): AsyncGenerator<T> {
  yield* items;
  then();
}

/** Corrects `grpc-status` and `grpc-message` in gRPC trailers (or gRPC-Web trailer fields). */
export function correctTrailer(trailer: Headers, undecoded: boolean): void {
  const encoded = trailer.get("grpc-message");
  if (encoded === null) return;
  let message: string;
  try {
    message = decodeURIComponent(encoded);
  } catch {
    message = encoded;
  }
  if (
    undecoded &&
    trailer.get("grpc-status") === String(Code.Internal) &&
    DECODE_FAILURE.test(message)
  ) {
    trailer.set("grpc-status", String(Code.InvalidArgument));
  }
  if (encoded.length > MAX_GRPC_MESSAGE) trailer.set("grpc-message", cut(message));
}

/** `message`, percent-encoded and cut to at most {@link MAX_GRPC_MESSAGE} bytes, marked "…". */
function cut(message: string): string {
  const mark = encodeURIComponent("…");
  let out = "";
  for (const char of message) {
    const next = encodeURIComponent(char);
    if (out.length + next.length + mark.length > MAX_GRPC_MESSAGE) break;
    out += next;
  }
  return out + mark;
}

/** gRPC-Web ends the body with an uncompressed trailer frame (flags 0x80) of CRLF header lines. */
async function* correctTrailerFrames(
  body: AsyncIterable<Uint8Array>,
  undecoded: () => boolean,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    if (chunk.byteLength < 5 || chunk[0] !== 0x80) {
      yield chunk;
      continue;
    }
    const trailer = new Headers();
    for (const line of new TextDecoder().decode(chunk.subarray(5)).split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) trailer.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    correctTrailer(trailer, undecoded());
    let text = "";
    trailer.forEach((value, key) => {
      text += `${key}: ${value}\r\n`;
    });
    const data = new TextEncoder().encode(text);
    const frame = new Uint8Array(5 + data.byteLength);
    new DataView(frame.buffer).setUint32(1, data.byteLength);
    frame[0] = 0x80;
    frame.set(data, 5);
    yield frame;
  }
}

/** A Connect unary error is one JSON object, `{ code, message, details? }`, with HTTP 500. */
async function correctConnectUnaryError(
  res: UniversalServerResponse,
  body: AsyncIterable<Uint8Array>,
): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const unchanged = { ...res, body: once(bytes) };
  let error: { code?: unknown; message?: unknown };
  try {
    error = JSON.parse(bytes.toString("utf8"));
  } catch {
    return unchanged;
  }
  const message = typeof error.message === "string" ? error.message : "";
  if (error.code !== "internal" || !DECODE_FAILURE.test(message)) return unchanged;
  const fixed = Buffer.from(JSON.stringify({ ...error, code: "invalid_argument" }));
  res.header?.set("content-length", String(fixed.byteLength));
  return { ...res, status: 400, body: once(fixed) };
}

/**
 * A Connect GET request's `message` parameter that `base64=1` says is base64 and is not: connect
 * would fail on it with an error of its own, answered as `internal error` (HTTP 500).
 */
function undecodableQueryMessage(url: string): string | undefined {
  const params = new URL(url, "http://localhost").searchParams;
  if (params.get("base64") !== "1") return undefined;
  try {
    base64Decode(params.get("message") ?? "");
    return undefined;
  } catch {
    return "the message query parameter is not base64 (the request has base64=1)";
  }
}

/** A Connect unary error response, as connect writes one. */
function connectUnaryError(code: Code, message: string): UniversalServerResponse {
  const body = Buffer.from(JSON.stringify({ code: codeToString(code), message }));
  return {
    status: codeToHttpStatus(code),
    header: new Headers({
      "content-type": "application/json",
      "content-length": String(body.byteLength),
    }),
    body: once(body),
  };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

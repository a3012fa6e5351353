import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from "node:http2";
import type { DescMessage, DescService } from "@bufbuild/protobuf";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ContextValues,
  createHandlerContext,
  createServiceImplSpec,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import {
  type Compression,
  compressionNegotiate,
  encodeEnvelope,
  envelopeCompress,
  invokeUnaryImplementation,
} from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { AdmissionControl } from "./admission.js";
import { correctTrailer } from "./protocol-errors.js";

/** What the fast path needs from serve(): the same things connect's adapter gets. */
export interface GrpcUnaryOptions {
  readonly interceptors: readonly Interceptor[];
  readonly shutdownSignal: AbortSignal;
  readonly contextValues: (req: Http2ServerRequest) => ContextValues;
  readonly readMaxBytes: number;
  /** Response compression the server offers, in order (connect-node's adapter: gzip, br). */
  readonly acceptCompression: readonly Compression[];
  /** Asked before anything else: a refusal is answered at once, the body left unread. */
  readonly admission?: AdmissionControl | undefined;
}

type UnarySpec = MethodImplSpec & { kind: "unary" };

const GRPC_CONTENT_TYPES = new Set(["application/grpc", "application/grpc+proto"]);
const RESPONSE_CONTENT_TYPE = "application/grpc+proto";
/** Responses at least this big are compressed when the client accepts it (as connect: 1 KiB). */
const COMPRESS_MIN_BYTES = 1024;
/** Ends the context of a finished call without building an AbortError (a DOMException) each time. */
const CALL_FINISHED = new ConnectError("the call finished", Code.Canceled);

/**
 * Serves plain gRPC unary calls (binary protobuf over HTTP/2, uncompressed request) without
 * connect's generic pipeline, with the same outcome: the same handler context, the same
 * interceptors run in the same order through connect's own `invokeUnaryImplementation`, the same
 * codes and messages for bad bodies (as corrected in protocol-errors.ts), the same response
 * headers, compression negotiation and trailers (connect's `setTrailerStatus`).
 *
 * Why: it is the protocol every service and the mesh's own clients speak to each other, and for a
 * small call connect's adapter costs more than the handler: a universal request and response,
 * fetch `Headers` both ways, a chain of async iterables to read one envelope and to write one,
 * and an `AbortError` built at the end of every call. Here the body is read in one go, decoded
 * once, and the answer written with the HTTP/2 stream's own `respond`/`end`/`sendTrailers`.
 *
 * Anything else (Connect and gRPC-Web, JSON, a compressed request, HTTP/1.1, streaming methods,
 * routes registered with their own options) is left to connect: {@link handle} returns false.
 */
export class GrpcUnaryFastPath {
  readonly #options: GrpcUnaryOptions;
  readonly #methods = new Map<string, UnarySpec>();

  constructor(options: GrpcUnaryOptions) {
    this.#options = options;
  }

  /**
   * A router whose `service()` also registers the service's unary methods here. Services
   * registered with options of their own stay connect's alone.
   */
  capture(router: ConnectRouter): ConnectRouter {
    const register = router.service.bind(router);
    const service: ConnectRouter["service"] = (desc, impl, options) => {
      if (options === undefined) this.#add(desc, impl);
      return register(desc, impl, options);
    };
    return Object.assign(Object.create(router) as ConnectRouter, { service });
  }

  /** Serves `req` if it is a plain gRPC unary call to a known method; false leaves it to connect. */
  handle(req: Http2ServerRequest | import("node:http").IncomingMessage, res: unknown): boolean {
    if (!("stream" in req) || req.method !== "POST") return false;
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const spec = this.#methods.get(query < 0 ? url : url.slice(0, query));
    if (!spec) return false;
    const headers = req.headers;
    const type = headers["content-type"];
    if (typeof type !== "string" || !GRPC_CONTENT_TYPES.has(type)) return false;
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const refusal = this.#options.admission?.check(spec.method);
    if (refusal) {
      refuse(req.stream, refusal);
      return true;
    }
    void this.#serve(req, res as Http2ServerResponse, spec);
    return true;
  }

  #add(desc: DescService, impl: Parameters<typeof createServiceImplSpec>[1]): void {
    const spec = createServiceImplSpec(desc, impl);
    for (const method of desc.methods) {
      const methodSpec = spec.methods[method.localName];
      if (methodSpec?.kind !== "unary") continue;
      this.#methods.set(`/${desc.typeName}/${method.name}`, methodSpec as UnarySpec);
    }
  }

  async #serve(req: Http2ServerRequest, res: Http2ServerResponse, spec: UnarySpec): Promise<void> {
    const stream = req.stream;
    const options = this.#options;
    const requestAbort = new AbortController();
    let answered = false;
    const onClose = () => {
      if (!answered) {
        requestAbort.abort(new ConnectError("the client cancelled the call", Code.Canceled));
      }
    };
    stream.once("close", onClose);
    const header = requestHeaders(req.headers);
    const timeout = parseTimeout(header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
    const compression = compressionNegotiate(
      options.acceptCompression as Compression[],
      null,
      header.get("grpc-accept-encoding"),
      "grpc-accept-encoding",
    );
    const responseHeader: Record<string, string> = { "content-type": RESPONSE_CONTENT_TYPE };
    if (compression.response) responseHeader["grpc-encoding"] = compression.response.name;
    const context = createHandlerContext({
      service: spec.method.parent,
      method: spec.method,
      protocolName: "grpc",
      requestMethod: "POST",
      timeoutMs: timeout.timeoutMs,
      shutdownSignal: options.shutdownSignal,
      requestSignal: requestAbort.signal,
      requestHeader: header,
      url: `${"encrypted" in req.socket && req.socket.encrypted ? "https" : "http"}://${req.authority}${req.url}`,
      responseHeader,
      responseTrailer: { "grpc-status": "0" },
      contextValues: options.contextValues(req),
    });
    let body: Uint8Array | undefined;
    let error: ConnectError | undefined;
    try {
      if (timeout.error) throw timeout.error;
      const input = decodeRequest(await readBody(req, options.readMaxBytes), spec.method.input);
      const output = await invokeUnaryImplementation(
        spec,
        context,
        input,
        options.interceptors as Interceptor[],
      );
      const envelope = await envelopeCompress(
        { flags: 0, data: toBinary(spec.method.output, output) },
        compression.response,
        COMPRESS_MIN_BYTES,
      );
      body = encodeEnvelope(envelope.flags, envelope.data);
    } catch (err) {
      error =
        err instanceof ConnectError
          ? err
          : new ConnectError("internal error", Code.Internal, undefined, undefined, err);
    } finally {
      answered = true;
      stream.off("close", onClose);
      context.abort(CALL_FINISHED);
    }
    if (error) {
      setTrailerStatus(context.responseTrailer, error);
      correctTrailer(context.responseTrailer, false);
    }
    respond(stream, res, context.responseHeader, context.responseTrailer, body);
  }
}

/** The request's headers as fetch `Headers`, without HTTP/2's pseudo-headers (as connect-node). */
function requestHeaders(nodeHeaders: Http2ServerRequest["headers"]): Headers {
  const header = new Headers();
  for (const key in nodeHeaders) {
    if (key.charCodeAt(0) === 58 /* ":" */) continue;
    const value = nodeHeaders[key];
    if (value === undefined) continue;
    if (typeof value === "string") header.append(key, value);
    else for (const item of value) header.append(key, item);
  }
  return header;
}

/**
 * The whole request body. Stops keeping bytes once an envelope announces more than
 * `readMaxBytes` (connect's limit and message), reading on so the stream ends normally.
 */
function readBody(req: Http2ServerRequest, readMaxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let checked = false;
    let failed = false;
    const fail = (error: unknown) => {
      failed = true;
      chunks.length = 0;
      reject(error);
    };
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      chunks.push(chunk);
      size += chunk.length;
      if (!checked && size >= 5) {
        checked = true;
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, size);
        const announced = head.readUInt32BE(1);
        if (announced > readMaxBytes) {
          fail(
            new ConnectError(
              `message size ${announced} is larger than configured readMaxBytes ${readMaxBytes}`,
              Code.ResourceExhausted,
            ),
          );
        }
      } else if (size > 2 * (readMaxBytes + 5)) {
        fail(
          new ConnectError(
            `message size is larger than configured readMaxBytes ${readMaxBytes}`,
            Code.ResourceExhausted,
          ),
        );
      }
    });
    req.once("end", () => {
      if (failed) return;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.once("error", (err) => {
      if (!failed) fail(err);
    });
  });
}

/** The one request message of a unary call, with connect's errors for anything else. */
function decodeRequest(body: Uint8Array, schema: DescMessage) {
  if (body.byteLength === 0) {
    throw new ConnectError(
      "protocol error: missing input message for unary method",
      Code.Unimplemented,
    );
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const envelopeEnd = (at: number) =>
    at + 5 <= body.byteLength ? at + 5 + view.getUint32(at + 1) : Number.POSITIVE_INFINITY;
  const end = envelopeEnd(0);
  if (end > body.byteLength) {
    throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  if (end < body.byteLength) {
    if (envelopeEnd(end) > body.byteLength) {
      throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    }
    throw new ConnectError(
      "protocol error: received extra input message for unary method",
      Code.Unimplemented,
    );
  }
  if (((body[0] ?? 0) & 0b1) === 0b1) {
    throw new ConnectError(
      "received compressed envelope, but do not know how to decompress",
      Code.InvalidArgument,
    );
  }
  try {
    return fromBinary(schema, body.subarray(5, end));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConnectError(`parse binary: ${reason}`, Code.InvalidArgument);
  }
}

/**
 * A trailers-only answer (status and metadata in the response headers, no message), as gRPC
 * allows for an error, without reading the request.
 */
function refuse(stream: ServerHttp2Stream, error: ConnectError): void {
  const header = new Headers({ "content-type": RESPONSE_CONTENT_TYPE });
  setTrailerStatus(header, error);
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  try {
    // One HEADERS frame that ends the stream: what gRPC clients read as trailers-only.
    stream.respond({ ":status": 200, ...toNodeHeaders(header) }, { endStream: true });
  } catch {
    // The stream closed while answering: nobody is left to tell.
  }
}

/** Headers, the message if any, then the trailers (as connect-node writes a gRPC response). */
function respond(
  stream: ServerHttp2Stream,
  res: Http2ServerResponse,
  header: Headers,
  trailer: Headers,
  body: Uint8Array | undefined,
): void {
  if (stream.destroyed || stream.closed || res.headersSent) return;
  try {
    res.writeHead(200, toNodeHeaders(header));
    res.addTrailers(toNodeHeaders(trailer));
    if (body) res.end(body);
    else res.end();
  } catch {
    // The stream closed while answering: nobody is left to tell.
  }
}

function toNodeHeaders(header: Headers): Record<string, string | string[] | number> {
  const out: Record<string, string | string[] | number> = {};
  header.forEach((value, key) => {
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else out[key] = [String(previous), value];
  });
  return out;
}

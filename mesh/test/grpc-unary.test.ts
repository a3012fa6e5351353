/**
 * serve()'s fast path for gRPC unary calls must answer exactly as connect's adapter does (the
 * same interceptors, codes, messages, details, metadata, headers, trailers and compression),
 * whoever the client: connect's gRPC transport, and raw HTTP/2 requests for the bodies no
 * client sends. Connect (the protocol) over HTTP/1.1 still goes through connect's adapter, so
 * every case is also checked there for the same answer.
 */
import { randomUUID } from "node:crypto";
import { type ClientHttp2Session, connect as connectHttp2 } from "node:http2";
import { gunzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type HandlerContext,
  type Transport,
} from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { MessageSchema } from "@parley/gen/parley/messaging/v1/message_pb.js";
import {
  type GetMessageRequest,
  GetMessageRequestSchema,
  GetMessageResponseSchema,
  MessagingService,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import {
  createLogger,
  createTokenVerifier,
  DomainError,
  parsePolicy,
  serve,
} from "../src/index.js";

const quiet = createLogger({ service: "test", level: "silent" });
const tokens = createTokenVerifier({ jwks: async () => [] });
const policy = parsePolicy({
  rpcs: {
    "parley.messaging.v1.MessagingService": { GetMessage: "public", ListMessages: "user" },
  },
});

/** What the handler saw of its last call. */
interface Seen {
  signal?: AbortSignal;
  timeoutMs?: number | undefined;
  protocol?: string;
}

/** GetMessage answers by its message id: "big", "slow", "fail", "crash" or anything else. */
async function start(t: import("ava").ExecutionContext) {
  const seen: Seen = {};
  const server = await serve({
    name: "test",
    routes: (router) =>
      router.service(MessagingService, {
        async getMessage(req: GetMessageRequest, ctx: HandlerContext) {
          seen.signal = ctx.signal;
          seen.timeoutMs = ctx.timeoutMs();
          seen.protocol = ctx.requestHeader.get("content-type") ?? "";
          ctx.responseHeader.set("x-answer", "header");
          ctx.responseTrailer.set("x-answer-trailer", "trailer");
          const kind = req.channelId === ids.big ? "big" : req.channelId;
          if (req.channelId === ids.slow) {
            await new Promise((resolve) => {
              const timer = setTimeout(resolve, 5_000);
              ctx.signal.addEventListener("abort", () => {
                clearTimeout(timer);
                resolve(undefined);
              });
            });
            throw ctx.signal.reason;
          }
          if (req.channelId === ids.fail) {
            throw new DomainError(Code.FailedPrecondition, "the channel is archived", {
              metadata: { "x-reason": "archived" },
            });
          }
          if (req.channelId === ids.crash) throw new Error("secret detail");
          return {
            message: create(MessageSchema, {
              id: req.messageId,
              text: kind === "big" ? "z".repeat(5_000) : "small",
            }),
          };
        },
      }),
    services: [MessagingService.typeName],
    policy,
    tokens,
    logger: quiet,
    port: 0,
    host: "127.0.0.1",
  });
  t.teardown(() => server.close());
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const transports: Record<string, Transport> = {
    "gRPC (fast path)": createGrpcTransport({ baseUrl }),
    "Connect, HTTP/1.1 (connect's adapter)": createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
    }),
  };
  return { server, baseUrl, seen, transports };
}

async function waitFor(condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ids = {
  big: randomUUID(),
  slow: randomUUID(),
  fail: randomUUID(),
  crash: randomUUID(),
};

test("answers, headers and trailers are the same through the fast path and connect", async (t) => {
  const { transports, seen } = await start(t);
  for (const [name, transport] of Object.entries(transports)) {
    const client = createClient(MessagingService, transport);
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const messageId = randomUUID();
    const res = await client.getMessage(
      { channelId: randomUUID(), messageId },
      {
        onHeader: (h) => {
          header = h;
        },
        onTrailer: (tr) => {
          trailer = tr;
        },
      },
    );
    t.is(res.message?.id, messageId, name);
    t.is(res.message?.text, "small", name);
    t.is(header?.get("x-answer"), "header", name);
    t.is(trailer?.get("x-answer-trailer"), "trailer", name);
    t.is(seen.timeoutMs, undefined, `${name}: no deadline asked`);
    t.true(seen.signal?.aborted, `${name}: the call's signal is done once it answered`);
  }
});

test("errors keep their code, message, metadata and details; server faults stay internal", async (t) => {
  const { transports } = await start(t);
  for (const [name, transport] of Object.entries(transports)) {
    const client = createClient(MessagingService, transport);
    const failed = ConnectError.from(
      await t.throwsAsync(client.getMessage({ channelId: ids.fail, messageId: randomUUID() })),
    );
    t.is(failed.code, Code.FailedPrecondition, name);
    t.is(failed.rawMessage, "the channel is archived", name);
    t.is(failed.metadata.get("x-reason"), "archived", name);

    const crashed = ConnectError.from(
      await t.throwsAsync(client.getMessage({ channelId: ids.crash, messageId: randomUUID() })),
    );
    t.is(crashed.code, Code.Internal, name);
    t.false(crashed.message.includes("secret"), name);

    // protovalidate (the validation interceptor): invalid_argument with the violations detail.
    const invalid = ConnectError.from(
      await t.throwsAsync(client.getMessage({ channelId: "not-a-uuid", messageId: "x" })),
    );
    t.is(invalid.code, Code.InvalidArgument, name);
    t.is(invalid.details.length, 1, name);
    t.regex(invalid.rawMessage, /channel_id: must be a valid UUID/, name);

    // The access interceptor: ListMessages needs a signed-in user.
    const anonymous = ConnectError.from(
      await t.throwsAsync(client.listMessages({ channelId: randomUUID() })),
    );
    t.is(anonymous.code, Code.Unauthenticated, name);
  }
});

test("the caller's deadline reaches the handler and ends the call with deadline_exceeded", async (t) => {
  const { transports, seen } = await start(t);
  for (const [name, transport] of Object.entries(transports)) {
    const client = createClient(MessagingService, transport);
    const err = ConnectError.from(
      await t.throwsAsync(
        // Long enough that a loaded machine still reaches the handler before the deadline.
        client.getMessage({ channelId: ids.slow, messageId: randomUUID() }, { timeoutMs: 2_000 }),
      ),
    );
    t.is(err.code, Code.DeadlineExceeded, name);
    t.true((seen.timeoutMs ?? 0) > 0 && (seen.timeoutMs ?? 0) <= 2_000, name);
    // The client gave up at its deadline; the server's own timer (or the client's reset) ends
    // the handler's call too.
    await waitFor(() => seen.signal?.aborted === true);
    t.true(seen.signal?.aborted, name);
  }
});

/** A raw gRPC request over HTTP/2: the response headers, trailers and body. */
async function raw(
  session: ClientHttp2Session,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ headers: Record<string, unknown>; trailers: Record<string, unknown>; body: Buffer }> {
  const req = session.request({
    ":method": "POST",
    ":path": "/parley.messaging.v1.MessagingService/GetMessage",
    "content-type": "application/grpc",
    te: "trailers",
    ...headers,
  });
  const chunks: Buffer[] = [];
  let responseHeaders: Record<string, unknown> = {};
  let trailers: Record<string, unknown> = {};
  req.on("response", (h) => {
    responseHeaders = h;
  });
  req.on("trailers", (h) => {
    trailers = h;
  });
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    req.on("end", () => resolve());
    req.on("error", reject);
    req.end(body);
  });
  return { headers: responseHeaders, trailers, body: Buffer.concat(chunks) };
}

function envelope(flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + data.byteLength);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.byteLength);
  out.set(data, 5);
  return out;
}

test("bodies no client sends get connect's answers: missing, extra, truncated, compressed, undecodable", async (t) => {
  const { baseUrl } = await start(t);
  const session = connectHttp2(baseUrl);
  t.teardown(() => session.close());
  const request = toBinary(
    GetMessageRequestSchema,
    create(GetMessageRequestSchema, { channelId: randomUUID(), messageId: randomUUID() }),
  );
  const one = envelope(0, request);
  const cases: [string, Uint8Array, number, string][] = [
    ["no message", new Uint8Array(0), Code.Unimplemented, "missing input message"],
    ["two messages", Buffer.concat([one, one]), Code.Unimplemented, "extra input message"],
    ["truncated", one.subarray(0, one.byteLength - 3), Code.InvalidArgument, "incomplete envelope"],
    ["three bytes", one.subarray(0, 3), Code.InvalidArgument, "incomplete envelope"],
    [
      "compressed flag",
      envelope(1, request),
      Code.InvalidArgument,
      "do not know how to decompress",
    ],
    [
      "garbage",
      envelope(0, new Uint8Array([0xff, 0xff, 0xff])),
      Code.InvalidArgument,
      "parse binary",
    ],
  ];
  for (const [name, body, code, message] of cases) {
    const res = await raw(session, body);
    t.is(res.headers[":status"], 200, name);
    t.is(res.trailers["grpc-status"], String(code), name);
    t.true(decodeURIComponent(String(res.trailers["grpc-message"])).includes(message), name);
  }
  const ok = await raw(session, one);
  t.is(ok.trailers["grpc-status"], "0");
  t.is(ok.headers["content-type"], "application/grpc+proto");
});

test("responses of 1 KiB and more are gzipped for clients that accept it, smaller ones are not", async (t) => {
  const { baseUrl } = await start(t);
  const session = connectHttp2(baseUrl);
  t.teardown(() => session.close());
  const ask = (channelId: string) =>
    envelope(
      0,
      toBinary(
        GetMessageRequestSchema,
        create(GetMessageRequestSchema, { channelId, messageId: randomUUID() }),
      ),
    );
  const big = await raw(session, ask(ids.big), { "grpc-accept-encoding": "gzip" });
  t.is(big.headers["grpc-encoding"], "gzip");
  t.is(big.body[0], 1, "the message is flagged compressed");
  const decoded = fromBinary(GetMessageResponseSchema, gunzipSync(big.body.subarray(5)));
  t.is(decoded.message?.text.length, 5_000);

  const small = await raw(session, ask(randomUUID()), { "grpc-accept-encoding": "gzip" });
  t.is(small.headers["grpc-encoding"], "gzip", "negotiated, as connect does");
  t.is(small.body[0], 0, "below 1 KiB: sent as is");

  const plain = await raw(session, ask(ids.big));
  t.is(plain.headers["grpc-encoding"], undefined);
  t.is(plain.body[0], 0);
  t.is(fromBinary(GetMessageResponseSchema, plain.body.subarray(5)).message?.text.length, 5_000);
});

test("a message above readMaxBytes is resource_exhausted without reading it", async (t) => {
  const { baseUrl } = await start(t);
  const session = connectHttp2(baseUrl);
  t.teardown(() => session.close());
  const header = new Uint8Array(5);
  new DataView(header.buffer).setUint32(1, 5 * 1024 * 1024);
  const res = await raw(session, header);
  t.is(res.trailers["grpc-status"], String(Code.ResourceExhausted));
});

test("a client that cancels aborts the handler's signal", async (t) => {
  const { transports, seen } = await start(t);
  const client = createClient(MessagingService, transports["gRPC (fast path)"]!);
  const abort = new AbortController();
  const call = client.getMessage(
    { channelId: ids.slow, messageId: randomUUID() },
    { signal: abort.signal },
  );
  while (!seen.signal) await new Promise((resolve) => setTimeout(resolve, 10));
  abort.abort();
  await t.throwsAsync(call);
  await waitFor(() => seen.signal?.aborted === true);
  t.true(seen.signal.aborted);
  t.is(seen.protocol, "application/grpc+proto");
});

/**
 * serve()'s stream sinks: a server-streaming handler yields its first response, then writes
 * pre-encoded frames; every protocol (Connect binary and JSON, gRPC, gRPC-Web) must carry them
 * in order, then end the stream the way the handler ended (cleanly, or with its error through
 * the mesh's error mapping), with the interceptors (access policy, validation) still in front.
 */
import { randomUUID } from "node:crypto";
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type HandlerContext,
  type Transport,
} from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { MessagingEventSchema } from "@parley/gen/parley/messaging/v1/events_pb.js";
import {
  MessagingService,
  type SubscribeRequest,
  SubscribeResponseSchema,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import {
  createLogger,
  createTokenVerifier,
  DomainError,
  frameMessage,
  kStreamSink,
  parsePolicy,
  type StreamSink,
  serve,
  streamCodecOf,
} from "../src/index.js";

const quiet = createLogger({ service: "test", level: "silent" });
const tokens = createTokenVerifier({ jwks: async () => [] });
const policy = parsePolicy({
  rpcs: { "parley.messaging.v1.MessagingService": { Subscribe: "public" } },
});

/** A response whose event carries `n` (as channel id and offset), in the sink's codec, framed. */
function frame(sink: StreamSink, n: number): Uint8Array {
  const res = create(SubscribeResponseSchema, {
    event: create(MessagingEventSchema, { channelId: `c${n}`, offset: BigInt(n) }),
  });
  return frameMessage(
    sink.codec === "proto"
      ? toBinary(SubscribeResponseSchema, res)
      : new TextEncoder().encode(toJsonString(SubscribeResponseSchema, res)),
  );
}

/** How each test's handler behaves after its first response: given the sink and the count. */
type Script = (sink: StreamSink, ctx: HandlerContext, count: number) => Promise<void>;

async function start(script: Script) {
  const seen: { sink: StreamSink | undefined }[] = [];
  const server = await serve({
    name: "test",
    routes: (router) =>
      router.service(MessagingService, {
        async *subscribe(req: SubscribeRequest, ctx: HandlerContext) {
          const sink = ctx.values.get(kStreamSink);
          seen.push({ sink });
          // The request's position count says how many frames to write (validation ran first).
          const count = req.positions.length;
          yield { event: create(MessagingEventSchema, { channelId: "first" }) };
          if (!sink) throw new Error("no stream sink");
          await script(sink, ctx, count);
        },
      }),
    services: [MessagingService.typeName],
    policy,
    tokens,
    logger: quiet,
    port: 0,
    host: "127.0.0.1",
  });
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const transports: Record<string, Transport> = {
    "Connect binary, HTTP/2": createConnectTransport({
      baseUrl,
      httpVersion: "2",
      useBinaryFormat: true,
    }),
    "Connect JSON, HTTP/1.1": createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      useBinaryFormat: false,
    }),
    "gRPC, h2c": createGrpcTransport({ baseUrl }),
    "gRPC-Web binary, HTTP/1.1": createGrpcWebTransport({
      baseUrl,
      httpVersion: "1.1",
      useBinaryFormat: true,
    }),
    "gRPC-Web JSON, HTTP/2": createGrpcWebTransport({
      baseUrl,
      httpVersion: "2",
      useBinaryFormat: false,
    }),
  };
  return { server, seen, transports };
}

/** A request asking for `count` frames (positions are otherwise ignored here). */
function asking(count: number) {
  return {
    positions: Array.from({ length: count }, () => ({ channelId: randomUUID(), epoch: "e" })),
  };
}

/** Reads a whole stream: the events' channel ids, and the error it ended with (if any). */
async function read(transport: Transport, count: number, signal?: AbortSignal) {
  const ids: string[] = [];
  try {
    for await (const res of createClient(MessagingService, transport).subscribe(asking(count), {
      signal,
    })) {
      ids.push(res.event?.channelId ?? "?");
      if (res.event?.offset !== BigInt(ids.length - 1) && ids.length > 1) {
        throw new Error(`event ${ids.length - 1} carries offset ${res.event?.offset}`);
      }
    }
    return { ids, error: undefined };
  } catch (err) {
    return { ids, error: ConnectError.from(err) };
  }
}

const expected = (count: number) => [
  "first",
  ...Array.from({ length: count }, (_, i) => `c${i + 1}`),
];

test("frames written to the sink arrive in order, then the stream ends cleanly, in every protocol", async (t) => {
  const { server, seen, transports } = await start(async (sink, _ctx, count) => {
    // Some frames in one go, the rest one per turn of the event loop.
    const burst = Math.floor(count / 2);
    for (let n = 1; n <= burst; n++) sink.write(frame(sink, n));
    for (let n = burst + 1; n <= count; n++) {
      await new Promise((resolve) => setImmediate(resolve));
      sink.write(frame(sink, n));
    }
  });
  t.teardown(() => server.close());
  for (const [name, transport] of Object.entries(transports)) {
    const { ids, error } = await read(transport, 300);
    t.is(error, undefined, name);
    t.deepEqual(ids, expected(300), name);
  }
  t.deepEqual(
    seen.map((s) => s.sink?.codec),
    ["proto", "json", "proto", "proto", "json"],
  );
  t.true(
    seen.every((s) => s.sink?.closed),
    "every sink is closed once its stream ended",
  );
});

test("an error thrown after writing ends the stream with its code, after every frame written", async (t) => {
  const { server, transports } = await start(async (sink, _ctx, count) => {
    for (let n = 1; n <= count; n++) sink.write(frame(sink, n));
    throw new DomainError(Code.Unavailable, "the reader fell too far behind");
  });
  t.teardown(() => server.close());
  for (const [name, transport] of Object.entries(transports)) {
    const { ids, error } = await read(transport, 50);
    t.deepEqual(ids, expected(50), name);
    t.is(error?.code, Code.Unavailable, name);
    t.is(error?.rawMessage, "the reader fell too far behind", name);
  }
});

test("a server fault behind the sink reaches the client as internal, never its message", async (t) => {
  const { server, transports } = await start(async (sink) => {
    sink.write(frame(sink, 1));
    throw new Error("secret database path /var/lib/x");
  });
  t.teardown(() => server.close());
  for (const [name, transport] of Object.entries(transports)) {
    const { ids, error } = await read(transport, 1);
    t.deepEqual(ids, expected(1), name);
    t.is(error?.code, Code.Internal, name);
    t.false(error?.message.includes("secret") ?? true, name);
  }
});

test("the interceptors still guard the stream: invalid requests never reach the handler", async (t) => {
  const { server, seen, transports } = await start(async () => {});
  t.teardown(() => server.close());
  for (const [name, transport] of Object.entries(transports)) {
    // Two positions for one channel break the contract's uniqueness rule.
    const same = randomUUID();
    const duplicate = {
      positions: [
        { channelId: same, epoch: "e" },
        { channelId: same, epoch: "e" },
      ],
    };
    const err = await t.throwsAsync(async () => {
      for await (const _ of createClient(MessagingService, transport).subscribe(duplicate)) {
        // nothing arrives
      }
    });
    t.is(ConnectError.from(err).code, Code.InvalidArgument, name);
  }
  t.is(seen.length, 0);
});

test("a client that goes away closes the sink: the handler hears it and its writes are dropped", async (t) => {
  let closed: () => void = () => {};
  const heard = new Promise<void>((resolve) => {
    closed = resolve;
  });
  let sinkOf: StreamSink | undefined;
  const { server, transports } = await start(async (sink, ctx) => {
    sinkOf = sink;
    sink.onClose(closed);
    sink.write(frame(sink, 1));
    // Until the client leaves; then the handler's signal fires too.
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
  });
  t.teardown(() => server.close());
  const abort = new AbortController();
  const client = createClient(MessagingService, transports["gRPC, h2c"]!);
  const received: string[] = [];
  const reading = (async () => {
    for await (const res of client.subscribe(asking(1), { signal: abort.signal })) {
      received.push(res.event?.channelId ?? "?");
      if (received.length === 2) abort.abort();
    }
  })().catch(() => {});
  await heard;
  await reading;
  t.deepEqual(received, ["first", "c1"]);
  t.true(sinkOf?.closed);
  sinkOf?.write(frame(sinkOf, 2));
  t.is(sinkOf?.backlog, 0, "writes after the close are dropped");
  await t.notThrowsAsync(sinkOf?.drained() ?? Promise.resolve());
});

test("the backlog counts frames the connection has not taken yet; drained() waits for it", async (t) => {
  let backlogAfterBurst = -1;
  let drainedAfter = -1;
  const { server, transports } = await start(async (sink, _ctx, count) => {
    for (let n = 1; n <= count; n++) sink.write(frame(sink, n));
    backlogAfterBurst = sink.backlog;
    await sink.drained();
    drainedAfter = sink.backlog;
  });
  t.teardown(() => server.close());
  const { ids, error } = await read(transports["gRPC, h2c"]!, 20);
  t.is(error, undefined);
  t.deepEqual(ids, expected(20));
  t.is(backlogAfterBurst, 20, "written in one turn: all waiting");
  t.is(drainedAfter, 0);
});

test("streamCodecOf: the streaming content types of Connect, gRPC and gRPC-Web", (t) => {
  t.is(streamCodecOf("application/grpc"), "proto");
  t.is(streamCodecOf("application/grpc+proto"), "proto");
  t.is(streamCodecOf("application/grpc+json"), "json");
  t.is(streamCodecOf("application/grpc-web"), "proto");
  t.is(streamCodecOf("application/grpc-web+proto; charset=utf-8"), "proto");
  t.is(streamCodecOf("application/grpc-web+json"), "json");
  t.is(streamCodecOf("application/connect+proto"), "proto");
  t.is(streamCodecOf("Application/Connect+JSON"), "json");
  t.is(streamCodecOf("application/connect"), undefined);
  t.is(streamCodecOf("application/grpc-web-text"), undefined);
  t.is(streamCodecOf("application/json"), undefined);
  t.is(streamCodecOf("application/grpc+thrift"), undefined);
  t.is(streamCodecOf(null), undefined);
});

test("frameMessage: flags 0 and a big-endian length before the message", (t) => {
  const message = new Uint8Array(70_000).fill(7);
  const framed = frameMessage(message);
  t.is(framed.byteLength, 70_005);
  t.is(framed[0], 0);
  t.is(new DataView(framed.buffer).getUint32(1), 70_000);
  t.deepEqual(framed.subarray(5), message);
});

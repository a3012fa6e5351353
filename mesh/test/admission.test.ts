/**
 * serve()'s admission hook (load shedding): a refused call is answered with the hook's error
 * before its body is read or any interceptor or handler runs, over the gRPC fast path (a
 * trailers-only answer) and over Connect; other calls go through; refusals are logged in batches.
 */
import { randomUUID } from "node:crypto";
import { connect as connectHttp2 } from "node:http2";
import { Writable } from "node:stream";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { MessageSchema } from "@parley/gen/parley/messaging/v1/message_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import { createLogger, createTokenVerifier, parsePolicy, serve } from "../src/index.js";

const policy = parsePolicy({
  rpcs: {
    "parley.messaging.v1.MessagingService": { GetMessage: "public", ListMessages: "public" },
  },
});

/** A server whose GetMessage is refused while `full` is set; ListMessages never is. */
async function start(t: import("ava").ExecutionContext) {
  const state = { full: false, handled: 0, asked: 0 };
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "test",
    level: "warn",
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  });
  const server = await serve({
    name: "test",
    routes: (router) =>
      router.service(MessagingService, {
        async getMessage() {
          state.handled++;
          return { message: create(MessageSchema, { text: "taken" }) };
        },
        async listMessages() {
          state.handled++;
          return { messages: [] };
        },
      }),
    services: [MessagingService.typeName],
    policy,
    tokens: createTokenVerifier({ jwks: async () => [] }),
    logger,
    port: 0,
    host: "127.0.0.1",
    admit: (method) => {
      state.asked++;
      if (!state.full || method.name !== "GetMessage") return undefined;
      return new ConnectError("busy; try again in 1 second", Code.ResourceExhausted, {
        "retry-after": "1",
      });
    },
  });
  t.teardown(() => server.close());
  const transports: [string, Transport][] = [
    ["gRPC", createGrpcTransport({ baseUrl: server.url })],
    ["Connect", createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" })],
  ];
  return { server, state, lines, transports };
}

const request = () => ({ channelId: randomUUID(), messageId: randomUUID() });

test("a refused call gets the admission's error and never reaches the handler", async (t) => {
  const { state, transports } = await start(t);
  state.full = true;
  for (const [name, transport] of transports) {
    const client = createClient(MessagingService, transport);
    const err = await t.throwsAsync(client.getMessage(request()), { instanceOf: ConnectError });
    t.is(err?.code, Code.ResourceExhausted, name);
    t.is(err?.rawMessage, "busy; try again in 1 second", name);
    t.is(err?.metadata.get("retry-after"), "1", name);
    // Other methods are taken while this one is refused.
    t.deepEqual((await client.listMessages({ channelId: randomUUID() })).messages, [], name);
  }
  t.is(state.handled, 2, "only the ListMessages calls were handled");

  state.full = false;
  for (const [name, transport] of transports) {
    const res = await createClient(MessagingService, transport).getMessage(request());
    t.is(res.message?.text, "taken", name);
  }
});

test("over gRPC the refusal is trailers-only, sent before the request body ends", async (t) => {
  const { server, state } = await start(t);
  state.full = true;
  const session = connectHttp2(server.url);
  t.teardown(() => session.destroy());
  const stream = session.request({
    ":method": "POST",
    ":path": "/parley.messaging.v1.MessagingService/GetMessage",
    "content-type": "application/grpc",
    te: "trailers",
  });
  // The body never ends: the answer must not wait for it.
  stream.write(Buffer.from([0, 0, 0, 0, 100]));
  const answer = await new Promise<{ headers: Record<string, unknown>; endsWithHeaders: boolean }>(
    (resolve, reject) => {
      stream.once("response", (headers, flags) =>
        resolve({ headers, endsWithHeaders: (flags & 0x1) === 0x1 }),
      );
      stream.once("error", reject);
    },
  );
  t.is(answer.headers[":status"], 200);
  t.is(answer.headers["grpc-status"], String(Code.ResourceExhausted));
  t.is(answer.headers["retry-after"], "1");
  t.true(answer.endsWithHeaders, "HEADERS carries END_STREAM");
  t.is(state.handled, 0);
});

test("each call is asked once, whichever the protocol", async (t) => {
  const { state, transports } = await start(t);
  for (const [name, transport] of transports) {
    const before = state.asked;
    await createClient(MessagingService, transport).getMessage(request());
    t.is(state.asked - before, 1, name);
  }
});

test("refusals are logged: the first at once, the rest counted", async (t) => {
  const { server, state, lines, transports } = await start(t);
  state.full = true;
  const client = createClient(MessagingService, transports[0]![1]);
  for (let i = 0; i < 3; i++) {
    await t.throwsAsync(client.getMessage(request()));
  }
  const refusals = lines.filter((line) =>
    String(line.msg).startsWith("refusing calls at admission"),
  );
  t.is(refusals.length, 1);
  t.is(refusals[0]?.rpc, "parley.messaging.v1.MessagingService/GetMessage");
  // Closing reports what the batch counted since: the two calls after the first.
  await server.close();
  const counted = lines.filter((line) => line.msg === "calls refused at admission (overloaded)");
  t.deepEqual(
    counted.map((line) => [line.rpc, line.refused]),
    [["parley.messaging.v1.MessagingService/GetMessage", 2]],
  );
});

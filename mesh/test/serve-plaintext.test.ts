import { connect as connectSocket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import { createLogger, createTokenVerifier, parsePolicy, serve } from "../src/index.js";

const quiet = createLogger({ service: "test", level: "silent" });
const policy = parsePolicy({ rpcs: { "grpc.health.v1.Health": { "*": "public" } } });
const tokens = createTokenVerifier({ jwks: async () => [] });

async function start(drainTimeoutMs?: number, readMaxBytes?: number) {
  return serve({
    drainTimeoutMs,
    readMaxBytes,
    name: "test",
    routes: () => {},
    services: ["parley.test.v1.TestService"],
    policy,
    tokens,
    logger: quiet,
    port: 0,
    host: "127.0.0.1",
    http: (req, res) => {
      if (req.url !== "/hello") return false;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("hi");
      return true;
    },
  });
}

test("one plaintext port speaks Connect over HTTP/1.1, gRPC over h2c and gRPC-Web", async (t) => {
  const server = await start();
  t.teardown(() => server.close());
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const transports = {
    connectHttp1: createConnectTransport({ baseUrl, httpVersion: "1.1" }),
    grpcH2c: createGrpcTransport({ baseUrl }),
    grpcWebHttp1: createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
  };
  for (const [name, transport] of Object.entries(transports)) {
    const health = createClient(Health, transport);
    const res = await health.check({ service: "parley.test.v1.TestService" });
    t.is(res.status, Status.SERVING, name);
    const err = await t.throwsAsync(health.check({ service: "nope" }));
    t.is(ConnectError.from(err).code, Code.NotFound, name);
  }
  const page = await fetch(`${baseUrl}/hello`);
  t.is(await page.text(), "hi");
  t.is((await fetch(`${baseUrl}/missing`)).status, 404);
});

test("close() reports NOT_SERVING to watchers and ends their streams", async (t) => {
  const server = await start();
  const health = createClient(
    Health,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }),
  );
  const seen: Status[] = [];
  const watching = (async () => {
    try {
      for await (const res of health.watch({ service: "" })) {
        seen.push(res.status);
        if (seen.length === 1) void server.close();
      }
    } catch {
      // the stream may end with an error as the server goes away; what it said before matters
    }
  })();
  await watching;
  t.is(seen[0], Status.SERVING);
  t.true(seen.includes(Status.NOT_SERVING));
});

test("close() ends in-flight server streams with unavailable (the server's doing: retry elsewhere), not canceled", async (t) => {
  // A server-streaming handler that sends one event, then waits on its call's signal (as a
  // stream waiting for its next event does) and fails the way an aborted wait fails.
  const server = await serve({
    name: "test",
    routes: (router) =>
      router.service(MessagingService, {
        async *subscribe(_req, ctx) {
          yield { event: { channelId: "first" } };
          await sleep(60 * 60 * 1000, undefined, { signal: ctx.signal });
        },
      }),
    services: [MessagingService.typeName],
    policy: parsePolicy({
      rpcs: { "parley.messaging.v1.MessagingService": { Subscribe: "public" } },
    }),
    tokens,
    logger: quiet,
    port: 0,
    host: "127.0.0.1",
    drainTimeoutMs: 5_000,
  });
  t.teardown(() => server.close());
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const transports = {
    grpcH2c: createGrpcTransport({ baseUrl }),
    connectHttp2: createConnectTransport({ baseUrl, httpVersion: "2" }),
    connectHttp1: createConnectTransport({ baseUrl, httpVersion: "1.1" }),
    grpcWebHttp1: createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
  };
  // One stream per protocol, each in flight (its first event received) when the server closes.
  const inFlight: Promise<void>[] = [];
  const outcomes = Object.entries(transports).map(([name, transport]) => {
    let received = () => {};
    inFlight.push(
      new Promise((resolve) => {
        received = resolve;
      }),
    );
    return (async () => {
      const events: string[] = [];
      try {
        for await (const res of createClient(MessagingService, transport).subscribe({})) {
          events.push(res.event?.channelId ?? "?");
          received();
        }
        return { name, events, ended: "without an error" };
      } catch (err) {
        return { name, events, ended: Code[ConnectError.from(err).code] };
      }
    })();
  });
  await Promise.all(inFlight);
  await server.close();
  for (const { name, events, ended } of await Promise.all(outcomes)) {
    t.deepEqual(events, ["first"], name);
    t.is(ended, Code[Code.Unavailable], name);
  }
});

test("close() does not wait for idle keep-alive connections (HTTP/1.1 and h2c)", async (t) => {
  // A drain period far beyond ava's test timeout: close() must finish because nothing is in
  // flight, not because the drain period ran out.
  const server = await start(60 * 60 * 1000);
  const baseUrl = `http://127.0.0.1:${server.port}`;
  await createClient(Health, createGrpcTransport({ baseUrl })).check({});
  await createClient(Health, createConnectTransport({ baseUrl, httpVersion: "1.1" })).check({});
  t.is((await fetch(`${baseUrl}/hello`)).status, 200);
  await server.close();
  const refused = await fetch(`${baseUrl}/hello`).then(
    () => false,
    () => true,
  );
  t.true(refused, "the port no longer accepts connections");
});

test("an HTTP/1.1 call answered before its body was read does not stall the connection", async (t) => {
  const server = await start(undefined, 1024);
  t.teardown(() => server.close());
  const socket = connectSocket(server.port, "127.0.0.1");
  t.teardown(() => socket.destroy());
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  const ended = new Promise<"closed">((resolve) => socket.once("close", () => resolve("closed")));
  // Writing after the server closed the connection fails (EPIPE): that is one good outcome.
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));

  // A Connect stream whose first message says it is 1 MiB (over the 1 KiB limit); only the
  // start of the 64 KiB body is sent before the answer comes.
  const body = Buffer.alloc(64 * 1024);
  body.writeUInt32BE(1024 * 1024, 1);
  socket.write(
    "POST /grpc.health.v1.Health/Watch HTTP/1.1\r\nhost: test\r\n" +
      "content-type: application/connect+proto\r\nconnect-protocol-version: 1\r\n" +
      `content-length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.subarray(0, 1024));
  /** Waits until `what` was received (true), or the connection closed first (false). */
  const answered = async (what: RegExp) => {
    while (!what.test(received)) {
      if (socket.destroyed) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  };
  t.true(await answered(/resource_exhausted[\s\S]*\r\n0\r\n\r\n/), "the call is answered");
  t.regex(received, /^HTTP\/1\.1 200/, "the stream's end carries the error");

  // The rest of the body, then the next request on the same connection: it is answered, or the
  // connection is closed (the client then uses a new one). It must not stay open and silent.
  socket.write(body.subarray(1024));
  socket.write("GET /hello HTTP/1.1\r\nhost: test\r\n\r\n");
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<"stalled">((resolve) => {
    timer = setTimeout(() => resolve("stalled"), 5_000);
  });
  const next = answered(/\r\n\r\nhi$/).then((yes) => (yes ? "answered" : "closed"));
  const outcome = await Promise.race([next, ended, stalled]);
  clearTimeout(timer);
  t.not(outcome, "stalled", `the connection stalled; received:\n${received}`);
});

import { connect, type IncomingHttpHeaders } from "node:http2";
import { gzipSync } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import test from "ava";
import { createLogger, createTokenVerifier, parsePolicy, serve } from "../src/index.js";

// What connect-es answers on its own, corrected by serve(): request bodies it cannot decode are the
// caller's fault (`invalid_argument`, not `internal`) in every protocol, and only those; a
// `grpc-message` quoting a request header stays short.

const server = await serve({
  name: "test",
  routes: (router) =>
    router.service(AuthService, {
      getJwks() {
        // A handler's own failure that reads like a decode failure (say a peer's garbage answer).
        throw new ConnectError("parse binary: premature EOF", Code.Internal);
      },
    }),
  services: [],
  policy: parsePolicy({
    rpcs: {
      "grpc.health.v1.Health": { "*": "public" },
      "parley.auth.v1.AuthService": { GetJwks: "public" },
    },
  }),
  tokens: createTokenVerifier({ jwks: async () => [] }),
  logger: createLogger({ service: "test", level: "silent" }),
  port: 0,
  host: "127.0.0.1",
});
test.after.always(() => server.close());
const baseUrl = `http://127.0.0.1:${server.port}`;
const check = "/grpc.health.v1.Health/Check";

/** Bytes that are not a protobuf message: a length-delimited field 1 promising 10 bytes. */
const garbage = Uint8Array.from([0x0a, 0x0a, 0x61]);

function envelope(payload: Uint8Array, flags = 0): Uint8Array {
  const frame = new Uint8Array(5 + payload.length);
  new DataView(frame.buffer).setUint32(1, payload.length);
  frame[0] = flags;
  frame.set(payload, 5);
  return frame;
}

async function h2(
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer }> {
  const session = connect(baseUrl);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": path, ...headers });
      let head: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => {
        head = h;
      });
      stream.on("trailers", (t) => {
        trailers = t;
      });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve({ headers: head, trailers, body: Buffer.concat(chunks) }));
      stream.on("error", reject);
      stream.end(body);
    });
  } finally {
    session.destroy();
  }
}

async function grpcStatus(path: string, body: Uint8Array, headers: Record<string, string> = {}) {
  const res = await h2(
    path,
    { "content-type": "application/grpc", te: "trailers", ...headers },
    body,
  );
  return {
    status: Number(res.trailers["grpc-status"] ?? res.headers["grpc-status"]),
    message: decodeURIComponent(String(res.trailers["grpc-message"] ?? "")),
  };
}

test("Connect: an undecodable body is 400 invalid_argument, by POST and by GET", async (t) => {
  const post = await fetch(`${baseUrl}${check}`, {
    method: "POST",
    headers: { "content-type": "application/proto" },
    body: garbage,
  });
  t.is(post.status, 400);
  t.like(await post.json(), { code: "invalid_argument", message: "parse binary: premature EOF" });

  // GET needs a side-effect-free method: GetJwks is one (its handler never runs here).
  const message = Buffer.from(garbage).toString("base64url");
  const get = await fetch(
    `${baseUrl}/parley.auth.v1.AuthService/GetJwks?connect=v1&encoding=proto&base64=1&message=${message}`,
  );
  t.is(get.status, 400);
  t.like(await get.json(), { code: "invalid_argument" });
  // A message parameter that is not the base64 it claims to be (connect failed on it with 500).
  const notBase64 = await fetch(
    `${baseUrl}/parley.auth.v1.AuthService/GetJwks?connect=v1&encoding=proto&base64=1&message=%21`,
  );
  t.is(notBase64.status, 400);
  t.like(await notBase64.json(), {
    code: "invalid_argument",
    message: "the message query parameter is not base64 (the request has base64=1)",
  });

  const truncatedGzip = gzipSync(Buffer.from("x")).subarray(0, 8);
  const gzip = await fetch(`${baseUrl}${check}`, {
    method: "POST",
    headers: { "content-type": "application/proto", "content-encoding": "gzip" },
    body: truncatedGzip,
  });
  t.is(gzip.status, 400);
  t.like(await gzip.json(), { code: "invalid_argument", message: "decompression failed" });
});

test("gRPC: undecodable, wrongly compressed and truncated gzip frames are invalid_argument", async (t) => {
  t.deepEqual(await grpcStatus(check, envelope(garbage)), {
    status: Code.InvalidArgument,
    message: "parse binary: premature EOF",
  });
  t.is((await grpcStatus(check, envelope(Uint8Array.of(1), 1))).status, Code.InvalidArgument);
  const truncated = envelope(gzipSync(Buffer.from("x")).subarray(0, 8), 1);
  t.is(
    (await grpcStatus(check, truncated, { "grpc-encoding": "gzip" })).status,
    Code.InvalidArgument,
  );
});

test("gRPC: an undecodable message on a streaming method is invalid_argument", async (t) => {
  t.is((await grpcStatus("/grpc.health.v1.Health/Watch", envelope(garbage))).status, 3);
});

test("gRPC-Web: the trailer frame says invalid_argument", async (t) => {
  const res = await h2(check, { "content-type": "application/grpc-web+proto" }, envelope(garbage));
  t.is(res.body[0], 0x80, "a trailer frame");
  t.regex(res.body.subarray(5).toString(), /grpc-status: 3\r\n/);
});

test("a handler's own internal error stays internal, whatever its message", async (t) => {
  const path = "/parley.auth.v1.AuthService/GetJwks";
  t.is((await grpcStatus(path, envelope(new Uint8Array()))).status, Code.Internal);
  const res = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  t.is(res.status, 500);
  t.like(await res.json(), { code: "internal" });
});

test("gRPC: a protocol error quoting a huge header comes back short", async (t) => {
  const encoding = "=".repeat(6000);
  const res = await grpcStatus(check, envelope(new Uint8Array()), { "grpc-encoding": encoding });
  t.is(res.status, Code.Unimplemented);
  t.regex(res.message, /^unknown compression "=+…$/);
  t.true(encodeURIComponent(res.message).length <= 1024);
});

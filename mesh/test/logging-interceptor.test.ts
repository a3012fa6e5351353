import { Writable } from "node:stream";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Health } from "@parley/gen/grpc/health/v1/health_pb.js";
import test from "ava";
import { createLogger, createTokenVerifier, parsePolicy, serve } from "../src/index.js";

/** A server whose log lines (level debug and up) land in `lines`. */
async function start(t: { teardown(fn: () => Promise<void>): void }) {
  const lines: Array<{ level: number; msg: string; rpc?: string; code?: string }> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const server = await serve({
    name: "test",
    routes: () => {},
    services: ["parley.test.v1.TestService"],
    policy: parsePolicy({ rpcs: { "grpc.health.v1.Health": { "*": "public" } } }),
    tokens: createTokenVerifier({ jwks: async () => [] }),
    logger: createLogger({ service: "test", level: "debug", destination }),
    port: 0,
    host: "127.0.0.1",
  });
  t.teardown(() => server.close());
  const transport = createConnectTransport({
    baseUrl: `http://127.0.0.1:${server.port}`,
    httpVersion: "1.1",
  });
  return { lines, health: createClient(Health, transport) };
}

const rpcLines = (lines: Array<{ msg: string; level: number; code?: string }>) =>
  lines.filter((l) => l.msg === "rpc");

test("a successful health probe is logged at debug, a failed one at info", async (t) => {
  const { lines, health } = await start(t);
  await health.check({ service: "parley.test.v1.TestService" });
  const err = await t.throwsAsync(health.check({ service: "nope" }));
  t.is(ConnectError.from(err).code, Code.NotFound);
  const logged = rpcLines(lines);
  t.deepEqual(
    logged.map((l) => [l.code, l.level]),
    [
      ["ok", 20],
      ["not_found", 30],
    ],
  );
});

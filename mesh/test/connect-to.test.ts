import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { AuthService, GetJwksResponseSchema } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import test from "ava";
import { connectTo, createLogger, createTokenVerifier, parsePolicy, serve } from "../src/index.js";

/** A real h2c server whose AuthService fails on demand, to watch what connectTo() does. */
async function flakyServer(failuresBeforeSuccess: number) {
  const calls = { getJwks: 0, register: 0 };
  const served = await serve({
    name: "flaky",
    routes(router) {
      router.service(AuthService, {
        getJwks() {
          calls.getJwks++;
          if (calls.getJwks <= failuresBeforeSuccess) {
            throw new ConnectError("try another instance", Code.Unavailable);
          }
          return create(GetJwksResponseSchema, {});
        },
        register() {
          calls.register++;
          throw new ConnectError("try another instance", Code.Unavailable);
        },
        async getMe(_req, ctx) {
          // Never answers: only the caller's deadline ends this call.
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          throw ctx.signal.reason;
        },
      });
    },
    services: [AuthService.typeName],
    policy: parsePolicy({ rpcs: { "parley.auth.v1.AuthService": { "*": "public" } } }),
    tokens: createTokenVerifier({ jwks: async () => [] }),
    logger: createLogger({ service: "flaky", level: "silent" }),
    port: 0,
    host: "127.0.0.1",
    drainTimeoutMs: 100,
  });
  return { calls, served, baseUrl: `http://127.0.0.1:${served.port}` };
}

test("an idempotent call (NO_SIDE_EFFECTS) is retried on unavailable until it succeeds", async (t) => {
  const { calls, served, baseUrl } = await flakyServer(2);
  t.teardown(() => served.close());
  const client = createClient(AuthService, connectTo({ baseUrl, retry: { baseDelayMs: 1 } }));
  await client.getJwks({});
  t.is(calls.getJwks, 3);
});

test("retries stop after maxAttempts and surface the last error", async (t) => {
  const { calls, served, baseUrl } = await flakyServer(10);
  t.teardown(() => served.close());
  const client = createClient(
    AuthService,
    connectTo({ baseUrl, retry: { baseDelayMs: 1, maxAttempts: 4 } }),
  );
  const err = await t.throwsAsync(client.getJwks({}));
  t.is(ConnectError.from(err).code, Code.Unavailable);
  t.is(calls.getJwks, 4);
});

test("a call the contract does not mark idempotent is tried once", async (t) => {
  const { calls, served, baseUrl } = await flakyServer(0);
  t.teardown(() => served.close());
  const client = createClient(AuthService, connectTo({ baseUrl, retry: { baseDelayMs: 1 } }));
  const err = await t.throwsAsync(
    client.register({ username: "alice", email: "a@example.com", password: "long enough" }),
  );
  t.is(ConnectError.from(err).code, Code.Unavailable);
  t.is(calls.register, 1);
});

test("every call gets the default deadline, so a hung upstream fails with deadline_exceeded", async (t) => {
  const { served, baseUrl } = await flakyServer(0);
  t.teardown(() => served.close());
  const client = createClient(AuthService, connectTo({ baseUrl, defaultTimeoutMs: 200 }));
  const err = await t.throwsAsync(client.getMe({}));
  t.is(ConnectError.from(err).code, Code.DeadlineExceeded);
});

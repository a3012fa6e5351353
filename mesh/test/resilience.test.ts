/**
 * connectTo()'s resilience against real servers on port 0 (h2c, and TLS where the handshake
 * matters): deadline propagation across a hop, the circuit breaker, fast failure on dead and
 * black-holed instances, fail-over between instances.
 */
import { createServer, type Server, type Socket } from "node:net";
import { create } from "@bufbuild/protobuf";
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  type ServiceImpl,
} from "@connectrpc/connect";
import {
  AuthService,
  GetJwksResponseSchema,
  GetMeResponseSchema,
  RegisterResponseSchema,
} from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import test from "ava";
import {
  backoffCeiling,
  connectTo,
  createLogger,
  createMeshCa,
  createTokenVerifier,
  issueServiceCertificate,
  kDeadline,
  parsePolicy,
  type Served,
  serve,
  withDeadline,
} from "../src/index.js";

type Auth = ServiceImpl<typeof AuthService>;

/** A real server hosting (part of) AuthService on 127.0.0.1 (port 0 unless told). */
async function startServer(
  impl: Partial<Auth>,
  options: { port?: number; tls?: Parameters<typeof serve>[0]["tls"] } = {},
): Promise<{ served: Served; url: string }> {
  const served = await serve({
    name: "upstream",
    routes: (router) => router.service(AuthService, impl),
    services: [AuthService.typeName],
    policy: parsePolicy({
      rpcs: { "parley.auth.v1.AuthService": { "*": "public" } },
      services: { edge: ["public"] },
    }),
    tokens: createTokenVerifier({ jwks: async () => [] }),
    logger: createLogger({ service: "upstream", level: "silent" }),
    port: options.port ?? 0,
    host: "127.0.0.1",
    tls: options.tls,
    drainTimeoutMs: 100,
  });
  const scheme = options.tls ? "https" : "http";
  return { served, url: `${scheme}://127.0.0.1:${served.port}` };
}

async function codeOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  throw new Error("the call succeeded");
}

const newAccount = { username: "alice", email: "alice@example.com", password: "long enough" };
const jwks = () => create(GetJwksResponseSchema, {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- Deadlines ----

test("a call made inside a handler passes on the caller's remaining time, not its own default", async (t) => {
  const seen: { timeoutMs?: number | undefined; deadline?: number | undefined }[] = [];
  const b = await startServer({
    getJwks(_req, ctx) {
      seen.push({ timeoutMs: ctx.timeoutMs(), deadline: ctx.values.get(kDeadline) });
      return jwks();
    },
  });
  t.teardown(() => b.served.close());
  // A's own default (30 s) is far above what its caller grants (2 s).
  const toB = createClient(AuthService, connectTo({ baseUrl: b.url, defaultTimeoutMs: 30_000 }));
  const aSaw: (number | undefined)[] = [];
  const a = await startServer({
    async getJwks(_req, ctx) {
      aSaw.push(ctx.values.get(kDeadline));
      return toB.getJwks({});
    },
  });
  t.teardown(() => a.served.close());

  const before = Date.now();
  await createClient(AuthService, connectTo({ baseUrl: a.url })).getJwks({}, { timeoutMs: 2_000 });
  t.is(seen.length, 1);
  const hop = seen[0];
  t.true(
    hop?.timeoutMs !== undefined && hop.timeoutMs > 0 && hop.timeoutMs <= 2_000,
    `B got ${hop?.timeoutMs} ms`,
  );
  // A recorded its caller's deadline (the 2 s the client granted).
  const aDeadline = aSaw[0];
  t.true(aDeadline !== undefined && aDeadline >= before && aDeadline <= Date.now() + 2_000);
  t.true(hop?.deadline !== undefined, "B recorded the deadline A passed on");
});

test("without a caller's deadline, an outgoing call uses its own default", async (t) => {
  const seen: (number | undefined)[] = [];
  const b = await startServer({
    getJwks(_req, ctx) {
      seen.push(ctx.timeoutMs());
      return jwks();
    },
  });
  t.teardown(() => b.served.close());
  // Generous, so that a loaded machine's first TLS handshake fits in it; only the bound matters.
  await createClient(AuthService, connectTo({ baseUrl: b.url, defaultTimeoutMs: 9_000 })).getJwks(
    {},
  );
  const got = seen[0];
  t.true(got !== undefined && got > 0 && got <= 9_000, `B got ${got} ms`);
  // A call that sets no timeout at all under no deadline (timeoutMs 0) carries none.
  await createClient(AuthService, connectTo({ baseUrl: b.url })).getJwks({}, { timeoutMs: 0 });
  t.is(seen[1], undefined);
});

test("an exhausted budget fails with deadline_exceeded without calling the upstream", async (t) => {
  let calls = 0;
  const b = await startServer({
    getJwks() {
      calls++;
      return jwks();
    },
  });
  t.teardown(() => b.served.close());
  const toB = createClient(AuthService, connectTo({ baseUrl: b.url }));

  // Directly: a deadline already passed.
  const err = await t.throwsAsync(withDeadline(Date.now() - 1, () => toB.getJwks({})));
  t.is(ConnectError.from(err).code, Code.DeadlineExceeded);
  t.regex(
    ConnectError.from(err).rawMessage,
    /deadline passed before parley\.auth\.v1\.AuthService\/GetJwks/,
  );

  // Across a hop: A's handler outlives its caller's deadline, then tries to call B.
  const outcome: Code[] = [];
  const a = await startServer({
    async getMe(_req, ctx) {
      const deadline = ctx.values.get(kDeadline) ?? 0;
      while (Date.now() <= deadline) await sleep(10);
      outcome.push(await codeOf(toB.getJwks({})));
      return create(GetMeResponseSchema, {});
    },
  });
  t.teardown(() => a.served.close());
  const toA = createClient(AuthService, connectTo({ baseUrl: a.url, retry: { maxAttempts: 1 } }));
  t.is(await codeOf(toA.getMe({}, { timeoutMs: 200 })), Code.DeadlineExceeded);
  for (let i = 0; i < 500 && outcome.length === 0; i++) await sleep(10);
  t.deepEqual(outcome, [Code.DeadlineExceeded]);
  t.is(calls, 0, "B was never called");
});

// ---- Retries ----

test("retries of an idempotent call stop at the deadline", async (t) => {
  let calls = 0;
  const b = await startServer({
    getJwks() {
      calls++;
      throw new ConnectError("busy", Code.Unavailable);
    },
  });
  t.teardown(() => b.served.close());
  const client = createClient(
    AuthService,
    connectTo({
      baseUrl: b.url,
      breaker: false,
      // Every backoff would be ~60 s: past the call's 10 s deadline, so no retry happens and the
      // call ends with the upstream's answer instead of waiting for deadline_exceeded.
      retry: { maxAttempts: 10, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.999 },
    }),
  );
  t.is(await codeOf(client.getJwks({}, { timeoutMs: 10_000 })), Code.Unavailable);
  t.is(calls, 1);
});

test("backoff is exponential with full jitter", async (t) => {
  let calls = 0;
  const b = await startServer({
    getJwks() {
      calls++;
      throw new ConnectError("busy", Code.Unavailable);
    },
  });
  t.teardown(() => b.served.close());
  const ceilings: number[] = [];
  const client = createClient(
    AuthService,
    connectTo({
      baseUrl: b.url,
      breaker: false,
      retry: {
        maxAttempts: 5,
        baseDelayMs: 1,
        maxDelayMs: 4,
        // Records each draw; 0 means no wait, so the test takes no time.
        random: () => {
          ceilings.push(calls);
          return 0;
        },
      },
    }),
  );
  t.is(await codeOf(client.getJwks({})), Code.Unavailable);
  t.is(calls, 5);
  t.deepEqual(ceilings, [1, 2, 3, 4], "one random draw per retry, after each failed attempt");
  // The ceiling each draw scales: doubling from the base, capped.
  t.deepEqual(
    [1, 2, 3, 4, 5, 6].map((retry) => backoffCeiling(retry, 50, 1_000)),
    [50, 100, 200, 400, 800, 1_000],
  );
});

// ---- Circuit breaker ----

test("the circuit opens after consecutive failures, fails fast while open, and a probe closes it", async (t) => {
  let calls = 0;
  let healthy = false;
  const b = await startServer({
    getJwks() {
      calls++;
      if (!healthy) throw new ConnectError("overloaded", Code.Unavailable);
      return jwks();
    },
  });
  t.teardown(() => b.served.close());
  const transport = connectTo({
    baseUrl: b.url,
    retry: { maxAttempts: 1 },
    breaker: { failureThreshold: 3, halfOpenAfterMs: 300 },
  });
  const client = createClient(AuthService, transport);
  for (let i = 0; i < 3; i++) t.is(await codeOf(client.getJwks({})), Code.Unavailable);
  t.is(calls, 3);
  t.is(transport.circuits()[b.url], "open");

  const err = await t.throwsAsync(client.getJwks({}));
  t.is(ConnectError.from(err).code, Code.Unavailable);
  t.regex(
    ConnectError.from(err).rawMessage,
    /circuit open after 3 consecutive failures.*overloaded/,
  );
  t.is(calls, 3, "no call reached the upstream while the circuit was open");

  healthy = true;
  let probed = false;
  for (let i = 0; i < 300 && !probed; i++) {
    try {
      await client.getJwks({});
      probed = true;
    } catch (err) {
      // Until the cool-down is over, calls keep failing fast.
      t.regex(ConnectError.from(err).rawMessage, /circuit open/);
      await sleep(10);
    }
  }
  t.true(probed);
  t.is(calls, 4, "after opening, only the probe reached the upstream");
  t.is(transport.circuits()[b.url], "closed");
  await client.getJwks({});
  t.is(calls, 5);
});

test("answers from the upstream, even errors, never open the circuit", async (t) => {
  let calls = 0;
  const b = await startServer({
    getJwks() {
      calls++;
      throw new Error("a bug in the handler"); // internal, with a grpc-status
    },
    register() {
      calls++;
      throw new ConnectError("no", Code.PermissionDenied);
    },
  });
  t.teardown(() => b.served.close());
  const transport = connectTo({ baseUrl: b.url, breaker: { failureThreshold: 2 } });
  const client = createClient(AuthService, transport);
  for (let i = 0; i < 4; i++) {
    t.is(await codeOf(client.getJwks({})), Code.Internal);
    t.is(await codeOf(client.register(newAccount)), Code.PermissionDenied);
  }
  t.is(calls, 8);
  t.is(transport.circuits()[b.url], "closed");
});

test("a stopped instance opens its circuit; once it is back, the next probe closes it", async (t) => {
  const b = await startServer({ getJwks: jwks });
  const port = b.served.port;
  const transport = connectTo({
    baseUrl: b.url,
    retry: { maxAttempts: 1 },
    breaker: { failureThreshold: 2, halfOpenAfterMs: 200 },
  });
  const client = createClient(AuthService, transport);
  await client.getJwks({});
  await b.served.close();

  // Connection refused: unavailable at once, never deadline_exceeded.
  t.is(await codeOf(client.getJwks({}, { timeoutMs: 60_000 })), Code.Unavailable);
  t.is(await codeOf(client.getJwks({}, { timeoutMs: 60_000 })), Code.Unavailable);
  t.is(transport.circuits()[b.url], "open");
  const open = await t.throwsAsync(client.getJwks({}));
  t.regex(ConnectError.from(open).rawMessage, /circuit open/);

  const again = await startServer({ getJwks: jwks }, { port });
  t.teardown(() => again.served.close());
  let answered = false;
  for (let i = 0; i < 300 && !answered; i++) {
    answered = await client.getJwks({}).then(
      () => true,
      () => false,
    );
    if (!answered) await sleep(10);
  }
  t.true(answered);
  t.is(transport.circuits()[b.url], "closed");
});

// ---- Dead and black-holed instances ----

test("a black-holed instance (TCP accepted, TLS never answered) fails with unavailable after the connect timeout", async (t) => {
  const sockets = new Set<Socket>();
  const hole: Server = createServer((socket) => {
    sockets.add(socket); // never writes a byte
  });
  await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    hole.close();
  });
  const address = hole.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const ca = await createMeshCa();
  const leaf = await issueServiceCertificate(ca, { service: "edge" });
  const client = createClient(
    AuthService,
    connectTo({
      baseUrl: `https://127.0.0.1:${port}`,
      tls: { ...leaf, caPem: ca.certPem },
      connectTimeoutMs: 200,
      defaultTimeoutMs: 120_000,
      retry: { maxAttempts: 1 },
    }),
  );
  const err = await t.throwsAsync(client.getJwks({}));
  t.is(ConnectError.from(err).code, Code.Unavailable);
  t.regex(
    ConnectError.from(err).message,
    /could not connect to https:\/\/127\.0\.0\.1:\d+ within 200 ms/,
  );
});

test("with several instances, calls are spread over them and a dead one is skipped, even for non-idempotent calls", async (t) => {
  const hits = { one: 0, two: 0 };
  const one = await startServer({
    register() {
      hits.one++;
      return create(RegisterResponseSchema, {});
    },
  });
  const two = await startServer({
    register() {
      hits.two++;
      return create(RegisterResponseSchema, {});
    },
  });
  t.teardown(() => one.served.close());
  t.teardown(() => two.served.close());
  const transport = connectTo({ baseUrl: [one.url, two.url], retry: { maxAttempts: 1 } });
  const client: Client<typeof AuthService> = createClient(AuthService, transport);
  for (let i = 0; i < 6; i++) await client.register(newAccount);
  t.deepEqual(hits, { one: 3, two: 3 });

  await two.served.close();
  // Register is not idempotent, so it is never retried after it was sent; a refused connection
  // means it was not sent, so it moves on to the live instance.
  for (let i = 0; i < 6; i++) await client.register(newAccount);
  t.deepEqual(hits, { one: 9, two: 3 });
});

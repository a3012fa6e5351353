import { Code, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { LoggingMailer } from "@parley/auth";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { Role } from "@parley/gen/parley/auth/v1/user_pb.js";
import type { ExecutionContext } from "ava";
import test from "ava";
import fc from "fast-check";
import { decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { cheapHasher } from "../services/auth/test/helpers/harness.js";
import { captureLogger, startAuthServer } from "./support/auth-server.js";
import {
  callRpc,
  describeAnswer,
  describeOutcome,
  garbageAuthorization,
  grpcBodyArbitrary,
  jsonBodyArbitrary,
  jsonEncodable,
  protoBodyArbitrary,
  randomRequestsNeverFault,
  responseFault,
  SERVER_FAULT_CODES,
  sendRawBodies,
  serviceRequestArbitraries,
} from "./support/fuzz.js";

/**
 * Robustness of auth as deployed (mesh runtime + service + SQLite) against random input: every
 * RPC with random field values over gRPC and Connect JSON, random bodies under each content type,
 * and random HTTP requests. Failures print fast-check's seed and path; replay one with
 * `fc.assert(..., { seed, path })`.
 */

/**
 * Runs per property, sized for CI (two cores, the whole file in well under a minute).
 * `PARLEY_FUZZ_SCALE=20` multiplies them for a deeper local run.
 */
const SCALE = Math.max(1, Number(process.env.PARLEY_FUZZ_SCALE) || 1);
const RUNS = { rpc: 60 * SCALE, body: 60 * SCALE, http: 400 * SCALE } as const;

const log = captureLogger("auth");
const mailer = new LoggingMailer();
// Rate limits off: fuzzing should reach handlers, not stop at resource_exhausted.
const server = await startAuthServer({
  env: {
    PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
    PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
    PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "off",
    PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS: "off",
    PARLEY_AUTH_RESET_LIMIT_PER_EMAIL: "off",
  },
  // Fuzz server only: argon2id with tiny costs, so hundreds of registrations stay fast.
  passwordHasher: cheapHasher(),
  mailer,
  logger: log.logger,
});

const baseUrl = `http://127.0.0.1:${server.served.port}`;
const transports: readonly [string, Transport][] = [
  ["gRPC", createGrpcTransport({ baseUrl })],
  ["Connect JSON", createConnectTransport({ baseUrl, httpVersion: "1.1" })],
];
const auth = createClient(AuthService, transports[0]![1]);

// Accounts the fuzzer can hit: the first registered becomes admin.
const PASSWORD = "correct horse battery staple";
async function register(username: string) {
  const email = `${username}@example.com`;
  const { session } = await auth.register({ username, email, password: PASSWORD });
  if (!session?.user) throw new Error("register returned no session");
  return { ...session.user, email, accessToken: session.accessToken };
}
const admin = await register("fuzz-admin");
const member = await register("fuzz-member");
const victim = await register("fuzz-victim");
if (admin.role !== Role.ADMIN) throw new Error("the first account should be admin");
const asAdmin = { headers: { authorization: `Bearer ${admin.accessToken}` } };

// Secrets the server issued, so some fuzzed requests carry real ones (reset and refresh tokens
// belong to the victim, whose password and sessions the fuzzer may change).
const refreshTokens: string[] = [];
for (let i = 0; i < 8; i++) {
  const { session } = await auth.login({ login: victim.username, password: PASSWORD });
  refreshTokens.push(session?.refreshToken ?? "");
}
for (let i = 0; i < 4; i++) await auth.requestPasswordReset({ email: victim.email });
await new Promise((resolve) => setTimeout(resolve, 50)); // reset mails are sent in the background
const resetTokens = mailer
  .sent()
  .map((m) => /token=([^\s]+)/.exec(m.text)?.[1])
  .filter((t): t is string => t !== undefined)
  .map(decodeURIComponent);
const { nextPageToken } = await auth.listUsers({ pageSize: 1 }, asAdmin);
if (resetTokens.length === 0 || refreshTokens.includes("") || nextPageToken === "") {
  throw new Error("fuzz setup: the server issued no reset, refresh or page token");
}

const names = [admin.username, member.username, victim.username];
const emails = [admin.email, member.email, victim.email];
const hints: Record<string, fc.Arbitrary<unknown>> = {
  "parley.auth.v1.RegisterRequest.username": fc.constantFrom(...names, "FUZZ-ADMIN"),
  "parley.auth.v1.RegisterRequest.email": fc.constantFrom(...emails, "FUZZ-ADMIN@EXAMPLE.COM"),
  "parley.auth.v1.LoginRequest.login": fc.constantFrom(...names, ...emails, " Fuzz-Member "),
  "parley.auth.v1.LoginRequest.password": fc.constant(PASSWORD),
  "parley.auth.v1.RefreshRequest.refresh_token": fc.constantFrom(...refreshTokens),
  "parley.auth.v1.LogoutRequest.refresh_token": fc.constantFrom(...refreshTokens),
  "parley.auth.v1.RequestPasswordResetRequest.email": fc.constantFrom(victim.email),
  "parley.auth.v1.ResetPasswordRequest.token": fc.constantFrom(...resetTokens),
  // Never the admin: demoting the only admin is refused, but promoting someone else first
  // would let a later call demote the account the fuzzer signs in as.
  "parley.auth.v1.SetUserRoleRequest.user_id": fc.constantFrom(member.id, victim.id),
  "parley.auth.v1.ListUsersRequest.page_token": fc.constant(nextPageToken),
  "parley.auth.v1.LookupUsersRequest.ids": fc.constantFrom(admin.id, member.id.toUpperCase()),
  "parley.auth.v1.LookupUsersRequest.usernames": fc.constantFrom(...names, " FUZZ-MEMBER "),
  "parley.auth.v1.IntrospectTokenRequest.token": fc.constant(member.accessToken),
};

/** Who a fuzzed call claims to be. */
type Bearer =
  | { readonly kind: "none" }
  | { readonly kind: "valid" | "foreign"; readonly who: "admin" | "member" }
  | { readonly kind: "tampered"; readonly who: "admin" | "member"; readonly at: number }
  | { readonly kind: "garbage"; readonly header: string };

const kids = (await server.auth.signingKeys.jwks()).map((key) => key.kid);
// Valid tokens weigh most, so user and admin RPCs get past authentication often enough.
const bearers: fc.Arbitrary<Bearer> = fc.oneof(
  fc.constant<Bearer>({ kind: "none" }),
  {
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      who: fc.constantFrom("admin", "member"),
    }),
    weight: 4,
  },
  fc.record({ kind: fc.constant("foreign" as const), who: fc.constantFrom("admin", "member") }),
  fc.record({
    kind: fc.constant("tampered" as const),
    who: fc.constantFrom("admin", "member"),
    at: fc.nat(),
  }),
  {
    arbitrary: garbageAuthorization(kids).map((header): Bearer => ({ kind: "garbage", header })),
    weight: 3,
  },
);

// A key auth never published, used under auth's own kid: the signature must fail, not the server.
const foreignKey = (await generateKeyPair("EdDSA", { crv: "Ed25519" })).privateKey;
const liveTokens: Record<"admin" | "member", string> = {
  admin: admin.accessToken,
  member: member.accessToken,
};

/** A currently valid access token (a fuzzed Logout may have denied the last one). */
async function accessToken(who: "admin" | "member"): Promise<string> {
  if (await server.auth.verifyAccessToken(liveTokens[who])) return liveTokens[who];
  const login = who === "admin" ? admin.username : member.username;
  const { session } = await auth.login({ login, password: PASSWORD });
  liveTokens[who] = session?.accessToken ?? "";
  return liveTokens[who];
}

async function headersFor(bearer: Bearer): Promise<Record<string, string>> {
  switch (bearer.kind) {
    case "none":
      return {};
    case "garbage":
      return { authorization: bearer.header };
    case "valid":
      return { authorization: `Bearer ${await accessToken(bearer.who)}` };
    case "tampered": {
      const token = await accessToken(bearer.who);
      const i = bearer.at % token.length;
      const swapped = token[i] === "A" ? "B" : "A";
      return { authorization: `Bearer ${token.slice(0, i)}${swapped}${token.slice(i + 1)}` };
    }
    case "foreign": {
      const { kid } = decodeProtectedHeader(await accessToken(bearer.who));
      const forged = await new SignJWT({ role: "admin" })
        .setProtectedHeader({ alg: "EdDSA", kid: kid ?? "", typ: "JWT" })
        .setIssuer("parley-auth")
        .setAudience("parley")
        .setSubject(bearer.who === "admin" ? admin.id : member.id)
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(foreignKey);
      return { authorization: `Bearer ${forged}` };
    }
  }
}

// Declared after every top-level await: ava starts running once the first test is declared.
test.after.always(() => server.close());

/** Counts of what the fuzzer got back, logged so a run shows how deep it reached. */
class Tally extends Map<string, number> {
  add(key: string): void {
    this.set(key, (this.get(key) ?? 0) + 1);
  }
  override toString(): string {
    return [...this.entries()].map(([key, n]) => `${key} ${n}`).join(", ");
  }
}

/**
 * The server still answers (health says SERVING, GetJwks works over both transports), and it
 * logged no error since line `since` of its log: no failure it noticed without the caller seeing.
 */
async function assertServerAnswers(t: ExecutionContext, since: number): Promise<void> {
  const health = await createClient(Health, transports[0]![1]).check({
    service: AuthService.typeName,
  });
  t.is(health.status, ServingStatus.SERVING);
  for (const [name, transport] of transports) {
    const jwks = await createClient(AuthService, transport).getJwks({});
    t.true(jwks.keys.length >= 1, name);
  }
  const errors = log
    .lines()
    .slice(since)
    .filter((line) => Number(line.level) >= 50);
  t.deepEqual(errors, [], "the server logged errors");
}

/** Every RPC of the service (none hard-coded) with its request arbitrary. */
const rpcs = [...serviceRequestArbitraries(AuthService, { hints }).values()];

// 1. Random field values, over gRPC and Connect JSON, with and without (valid) bearer tokens.
for (const { method, requests } of rpcs) {
  test.serial(`${method.name}: random requests never get a server-fault code`, async (t) => {
    const logged = log.lines().length;
    const outcomes = new Tally();
    await fc.assert(
      fc.asyncProperty(requests, bearers, async (request, bearer) => {
        const headers = await headersFor(bearer);
        for (const [name, transport] of transports) {
          if (name === "Connect JSON" && !jsonEncodable(method.input, request)) continue;
          const outcome = await callRpc(transport, method, [request], { headers });
          outcomes.add(outcome.ok ? "ok" : Code[outcome.error.code]);
          // A hang is a fault too: the deadline is far beyond any honest answer.
          const fault =
            !outcome.ok &&
            (SERVER_FAULT_CODES.has(outcome.error.code) ||
              outcome.error.code === Code.DeadlineExceeded);
          if (fault) throw new Error(`${method.name} over ${name}: ${describeOutcome(outcome)}`);
        }
      }),
      { numRuns: RUNS.rpc, includeErrorInReport: true },
    );
    t.log(`outcomes: ${outcomes}`);
    await assertServerAnswers(t, logged);
  });
}

// 2. Random bodies under each content type the RPC paths accept.
for (const { method, requests: messages } of rpcs) {
  test.serial(
    `${method.name}: random bodies never get 5xx or a server-fault grpc-status`,
    async (t) => {
      const logged = log.lines().length;
      const answers = new Tally();
      await fc.assert(
        fc.asyncProperty(
          protoBodyArbitrary(method.input, messages),
          jsonBodyArbitrary(method.input, messages),
          grpcBodyArbitrary(method.input, messages),
          bearers,
          async (protoBody, jsonBody, grpcBody, bearer) => {
            const answered = await sendRawBodies(
              baseUrl,
              AuthService,
              method,
              { proto: protoBody, json: jsonBody, grpc: grpcBody },
              await headersFor(bearer),
            );
            for (const [name, res] of answered) {
              answers.add(describeAnswer(res));
              const fault = responseFault(res);
              if (fault) throw new Error(`${method.name}, ${name}: ${fault}`);
            }
          },
        ),
        { numRuns: RUNS.body, includeErrorInReport: true },
      );
      t.log(`answers: ${answers}`);
      await assertServerAnswers(t, logged);
    },
  );
}

// 3. Random methods, paths, headers and bodies, over HTTP/1.1 and HTTP/2.
test.serial("random HTTP requests never get 5xx, over HTTP/1.1 and HTTP/2", async (t) => {
  const logged = log.lines().length;
  const answers = new Tally();
  await fc.assert(
    randomRequestsNeverFault(
      baseUrl,
      AuthService,
      { extraPaths: ["/.well-known/jwks.json"], kids },
      answers,
    ),
    { numRuns: RUNS.http, includeErrorInReport: true },
  );
  t.log(`answers: ${answers}`);
  await assertServerAnswers(t, logged);
});

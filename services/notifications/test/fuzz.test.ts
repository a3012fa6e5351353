/**
 * Robustness of the notifications service as deployed (mesh runtime + service + SQLite, auth's
 * JWKS over mTLS) against random input, with the fuzzing support every service shares
 * (test/support/fuzz.ts): every RPC with random field values, signed in or not, over gRPC and
 * Connect JSON on a plaintext server (as `npm start` serves browsers; Notify included, which
 * must always be refused there); Notify with random values as the `messaging` identity on a
 * mesh-mode server, so random requests reach its handler; and random bodies on the wire. A
 * caller's mistake must never earn a server-fault code, a hang or a 5xx, and the servers must
 * log no error and keep serving. Failures print fast-check's seed and path.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  create,
  type DescField,
  type DescMessage,
  type Message,
  ScalarType,
} from "@bufbuild/protobuf";
import { Code, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import { authJwksSource, connectTo, createTokenVerifier } from "@parley/mesh";
import type { ExecutionContext } from "ava";
import test from "ava";
import fc from "fast-check";
import { captureLogger } from "../../../test/support/auth-server.js";
import {
  callRpc,
  describeOutcome,
  garbageAuthorization,
  jsonEncodable,
  randomRequestsNeverFault,
  rawBodiesNeverFault,
  requestArbitrary,
  SERVER_FAULT_CODES,
} from "../../../test/support/fuzz.js";
import { loadConfig } from "../src/config.js";
import { serveNotifications } from "../src/notifications-server.js";
import { type ClusterPerson, startNotificationsCluster } from "./helpers/cluster.js";
import { notifyRequest } from "./helpers/harness.js";
import { browserKeys } from "./helpers/push-keys.js";

/** Runs per property, sized for CI; `PARLEY_FUZZ_SCALE=20` multiplies them. */
const SCALE = Math.max(1, Number(process.env.PARLEY_FUZZ_SCALE) || 1);
const RUNS = {
  unary: 40 * SCALE,
  stream: 12 * SCALE,
  body: 120 * SCALE,
  http: 200 * SCALE,
} as const;
const REPORTING = {
  includeErrorInReport: true,
  interruptAfterTimeLimit: 45_000,
  markInterruptAsFailure: true,
} as const;

// Web push off: fuzzed subscriptions must not make the servers post to random hosts.
const env = { PARLEY_NOTIFICATIONS_PUSH: "off", PARLEY_NOTIFICATIONS_WRITE_LIMIT: "off" };
const cluster = await startNotificationsCluster({ env });
const [meshServer] = cluster.instances;
if (!meshServer) throw new Error("no mesh-mode instance");
const meshLog = meshServer.log;
const asMessaging = await cluster.transport("messaging");

// The plaintext server: what `npm start` exposes to browsers, here on its own database.
const plainDir = await mkdtemp(join(tmpdir(), "parley-notifications-fuzz-"));
const plainLog = captureLogger("notifications-plain");
const plain = await serveNotifications(
  loadConfig({
    ...env,
    PORT: "0",
    HOST: "127.0.0.1",
    PARLEY_NOTIFICATIONS_DATA_DIR: plainDir,
    PARLEY_AUTH_URL: cluster.authUrl,
  }),
  {
    logger: plainLog.logger,
    tokens: createTokenVerifier({
      jwks: authJwksSource(
        connectTo({
          baseUrl: cluster.authUrl,
          tls: await cluster.pki.credentials("notifications"),
        }),
      ),
    }),
  },
);
const baseUrl = `http://127.0.0.1:${plain.served.port}`;
const grpc = createGrpcTransport({ baseUrl });
const transports: readonly [string, Transport][] = [
  ["gRPC", grpc],
  ["Connect JSON", createConnectTransport({ baseUrl, httpVersion: "1.1" })],
];
const owner = await cluster.register("fuzz-owner");
const other = await cluster.register("fuzz-other");
const people: Record<"owner" | "other", ClusterPerson> = { owner, other };

test.after.always(async () => {
  await plain.close();
  await rm(plainDir, { recursive: true, force: true });
  await cluster.close();
});

type Bearer =
  | { readonly kind: "none" }
  | { readonly kind: "valid"; readonly who: keyof typeof people }
  | { readonly kind: "garbage"; readonly header: string };

const bearers: fc.Arbitrary<Bearer> = fc.oneof(
  fc.constant<Bearer>({ kind: "none" }),
  {
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      who: fc.constantFrom<keyof typeof people>("owner", "owner", "other"),
    }),
    weight: 6,
  },
  garbageAuthorization().map((header): Bearer => ({ kind: "garbage", header })),
);

function headersFor(bearer: Bearer): Record<string, string> {
  switch (bearer.kind) {
    case "none":
      return {};
    case "garbage":
      return { authorization: bearer.header };
    case "valid":
      return { authorization: `Bearer ${people[bearer.who].accessToken}` };
  }
}

/** Notifications, subscriptions, tokens and channels that exist, made fresh per property. */
async function fixtures() {
  const notify = createClient(
    NotificationService,
    plain.notifications.inProcessTransport("messaging"),
  );
  const meshNotify = createClient(NotificationService, asMessaging);
  const user = createClient(NotificationService, grpc);
  const channelId = crypto.randomUUID();
  const created = await notify.notify(
    notifyRequest([owner.id, other.id], { channelId, actorUserId: other.id }),
  );
  const more = await notify.notify(notifyRequest([owner.id, other.id], { channelId }));
  const mesh = await meshNotify.notify(notifyRequest([owner.id, other.id], { channelId }));
  const keys = browserKeys().registration;
  const endpoint = `https://push.example/${crypto.randomUUID()}`;
  const subscription = await user.registerPushSubscription({ endpoint, ...keys }, owner.call);
  const tokens = [
    (await user.listNotifications({ pageSize: 1 }, owner.call)).nextPageToken,
    (await user.listNotifications({ pageSize: 1, unreadOnly: true }, other.call)).nextPageToken,
  ].filter((token) => token !== "");
  const notificationIds = [...created.results, ...more.results, ...mesh.results]
    .map((r) => r.notificationId)
    .filter((id) => id !== "");
  return {
    channelIds: fc.constantFrom(channelId, channelId.toUpperCase()),
    notificationIds: fc.constantFrom(...notificationIds),
    userIds: fc.constantFrom(owner.id, other.id, owner.id.toUpperCase()),
    keys: fc.constantFrom("mention:fixed", `mention:${crypto.randomUUID()}`),
    tokens: fc.constantFrom("", "", ...tokens),
    subscriptionIds: fc.constantFrom(subscription.subscription?.id ?? ""),
    endpoints: fc.constantFrom(endpoint, "https://push.example/other"),
    p256dh: fc.constantFrom(keys.p256dh),
    auth: fc.constantFrom(keys.auth),
  };
}

type Fixtures = Awaited<ReturnType<typeof fixtures>>;

/** Hints for every field of `schema` (and its nested messages) naming something that exists. */
function hintsFor(
  schema: DescMessage,
  values: Fixtures,
  hints: Record<string, fc.Arbitrary<unknown>> = {},
  seen = new Set<string>(),
): Record<string, fc.Arbitrary<unknown>> {
  if (seen.has(schema.typeName)) return hints;
  seen.add(schema.typeName);
  for (const field of schema.fields) {
    const hint = hintFor(schema, field, values);
    if (hint) hints[`${schema.typeName}.${field.name}`] = hint;
    if (field.message?.typeName.startsWith("parley.")) hintsFor(field.message, values, hints, seen);
  }
  return hints;
}

function hintFor(schema: DescMessage, field: DescField, values: Fixtures) {
  if (field.scalar !== ScalarType.STRING) return undefined;
  switch (field.name) {
    case "channel_id":
    case "unmute_channel_ids":
    case "message_id":
    case "thread_root_id":
      return values.channelIds;
    case "ids":
      return values.notificationIds;
    case "recipient_user_ids":
    case "actor_user_id":
      return values.userIds;
    case "idempotency_key":
      return values.keys;
    case "page_token":
      return values.tokens;
    case "id":
      return schema.typeName.endsWith("UnregisterPushSubscriptionRequest")
        ? values.subscriptionIds
        : undefined;
    case "endpoint":
      return values.endpoints;
    case "p256dh":
      return values.p256dh;
    case "auth":
      return values.auth;
    default:
      return undefined;
  }
}

/** Any instant a Timestamp can hold (years 1 to 9999), the edges and around now. */
const timestamps = fc
  .oneof(
    fc.bigInt(-62_135_596_800n, 253_402_300_799n),
    fc.constantFrom(-62_135_596_800n, 253_402_300_799n, 0n),
    fc.integer({ min: -86_400, max: 86_400 }).map((d) => BigInt(Math.floor(Date.now() / 1000) + d)),
  )
  .map((seconds) => ({ seconds, nanos: 0 }));

/**
 * Well-formed requests built from the fixtures, so the handlers' deeper branches (selectors,
 * mutes, outcomes) get exercised and not only validation; the fields themselves still vary.
 */
function pinnedRequests(method: string, values: Fixtures): fc.Arbitrary<object> | undefined {
  const some = <T>(items: fc.Arbitrary<T>) => fc.uniqueArray(items, { minLength: 1, maxLength: 3 });
  switch (method) {
    case "MarkRead":
      return fc.oneof(
        some(values.notificationIds).map((ids) => ({ ids })),
        fc.constant({ all: true }),
        values.channelIds.map((channelId) => ({ channelId })),
        timestamps.map((upTo) => ({ upTo })),
      );
    case "UpdatePreferences":
      return fc
        .record({
          muteAllChange: fc.option(
            fc.oneof(
              fc.record({
                case: fc.constant("muteAll"),
                value: fc.record({ until: fc.option(timestamps, { nil: undefined }) }),
              }),
              fc.constant({ case: "unmuteAll", value: true }),
            ),
            { nil: undefined },
          ),
          kinds: fc.uniqueArray(
            fc.record({
              kind: fc.integer({ min: 1, max: 5 }),
              enabled: fc.boolean(),
              push: fc.boolean(),
            }),
            { maxLength: 5, selector: (k) => k.kind },
          ),
          muteChannels: fc.uniqueArray(
            fc.record({
              channelId: values.channelIds,
              until: fc.option(timestamps, { nil: undefined }),
            }),
            { maxLength: 2, selector: (m) => m.channelId },
          ),
        })
        .map((r) => ({
          ...r,
          muteAllChange: r.muteAllChange ?? { case: undefined },
        }));
    case "Notify":
      return fc.record({
        idempotencyKey: values.keys,
        recipientUserIds: some(values.userIds),
        kind: fc.integer({ min: 1, max: 5 }),
        title: fc.string({ minLength: 1, maxLength: 200 }).filter((title) => /\S/.test(title)),
        body: fc.string({ maxLength: 1000 }),
        channelId: values.channelIds,
        actorUserId: fc.oneof(values.userIds, fc.constant("")),
      });
    default:
      return undefined;
  }
}

class Tally extends Map<string, number> {
  add(key: string): void {
    this.set(key, (this.get(key) ?? 0) + 1);
  }
  override toString(): string {
    return [...this.entries()].map(([key, n]) => `${key} ${n}`).join(", ");
  }
}

function isFault(code: Code): boolean {
  return (
    SERVER_FAULT_CODES.has(code) || code === Code.DeadlineExceeded || code === Code.Unavailable
  );
}

/** Both servers still answer, and neither logged an error since the given line counts. */
async function assertServersAnswer(t: ExecutionContext, since: { plain: number; mesh: number }) {
  const health = await createClient(Health, grpc).check({ service: NotificationService.typeName });
  t.is(health.status, ServingStatus.SERVING);
  // A signed-in read still succeeds over each protocol (the count itself depends on what the
  // fuzzing stored, so only that the call answers is checked).
  for (const [name, transport] of transports) {
    await t.notThrowsAsync(
      createClient(NotificationService, transport).getUnreadCount({}, owner.call),
      `GetUnreadCount over ${name}`,
    );
  }
  const notify = await createClient(NotificationService, asMessaging).notify(
    notifyRequest([owner.id]),
  );
  t.is(notify.results.length, 1);
  const errors = [
    ...plainLog.lines().slice(since.plain),
    ...meshLog.lines().slice(since.mesh),
  ].filter((line) => Number(line.level) >= 50);
  t.deepEqual(errors, [], "a server logged errors");
}

const logPositions = () => ({
  plain: plainLog.lines().length,
  mesh: meshLog.lines().length,
});

for (const method of NotificationService.methods) {
  const streaming = method.methodKind === "server_streaming";
  test.serial(`${method.name}: random requests never get a server-fault code`, async (t) => {
    const since = logPositions();
    const values = await fixtures();
    const generated = requestArbitrary(method, { hints: hintsFor(method.input, values) });
    const pinned = pinnedRequests(method.name, values);
    const requests = pinned
      ? fc.oneof(
          generated,
          pinned.map((init) => create(method.input, init as never) as Message),
        )
      : generated;
    const outcomes = new Tally();
    await fc.assert(
      fc.asyncProperty(requests, bearers, async (request: Message, bearer) => {
        const attempts: [string, Transport, Record<string, string>][] = transports.map(
          ([name, transport]) => [name, transport, headersFor(bearer)],
        );
        if (method.name === "Notify") attempts.push(["gRPC mTLS as messaging", asMessaging, {}]);
        for (const [name, transport, headers] of attempts) {
          if (name === "Connect JSON" && !jsonEncodable(method.input, request)) continue;
          const outcome = await callRpc(transport, method, [request], {
            headers,
            maxResponses: 2,
            streamWindowMs: 150,
          });
          outcomes.add(
            `${name === "gRPC mTLS as messaging" ? "mesh " : ""}${outcome.ok ? "ok" : Code[outcome.error.code]}`,
          );
          if (!outcome.ok && isFault(outcome.error.code)) {
            throw new Error(`${method.name} over ${name}: ${describeOutcome(outcome)}`);
          }
          if (method.name === "Notify" && name !== "gRPC mTLS as messaging" && outcome.ok) {
            throw new Error("Notify succeeded without a mesh identity");
          }
        }
      }),
      { numRuns: streaming ? RUNS.stream : RUNS.unary, ...REPORTING },
    );
    t.log(`outcomes: ${outcomes}`);
    await assertServersAnswer(t, since);
  });
}

test.serial(
  "random bodies for every RPC never get 5xx or a server-fault grpc-status",
  async (t) => {
    const since = logPositions();
    const answers = new Tally();
    await fc.assert(
      rawBodiesNeverFault(baseUrl, NotificationService, bearers, headersFor, answers),
      {
        numRuns: RUNS.body,
        ...REPORTING,
      },
    );
    t.log(`answers: ${answers}`);
    await assertServersAnswer(t, since);
  },
);

// Random methods, paths (GET and its query parameters included), headers and bodies.
test.serial("random HTTP requests never get 5xx, over HTTP/1.1 and HTTP/2", async (t) => {
  const since = logPositions();
  const answers = new Tally();
  await fc.assert(randomRequestsNeverFault(baseUrl, NotificationService, {}, answers), {
    numRuns: RUNS.http,
    ...REPORTING,
  });
  t.log(`answers: ${answers}`);
  await assertServersAnswer(t, since);
});

/**
 * Robustness of messaging as deployed (mesh runtime + service + SQLite, auth over the network)
 * against random input: every MessagingService RPC with random field values over gRPC and
 * Connect JSON, signed in or not; the Subscribe stream with random positions, read briefly and
 * cancelled. A caller's mistake must never earn a server-fault code, a hang or a 5xx, and the
 * server must log no error and keep serving. Failures print fast-check's seed and path; replay
 * one with `fc.assert(..., { seed, path })`.
 */
import { randomUUID } from "node:crypto";
import {
  type DescField,
  type DescMessage,
  type Message,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { ExecutionContext } from "ava";
import test from "ava";
import fc from "fast-check";
import {
  callRpc,
  describeOutcome,
  garbageAuthorization,
  jsonEncodable,
  randomRequestsNeverFault,
  rawBodiesNeverFault,
  requestArbitrary,
  SERVER_FAULT_CODES,
} from "./support/fuzz.js";
import {
  createChannel,
  EventStream,
  send,
  startMessagingCluster,
  type TestUser,
} from "./support/messaging-cluster.js";

/**
 * Runs per property, sized for CI (two cores, the whole file well under a minute and a half).
 * `PARLEY_FUZZ_SCALE=20` multiplies them for a deeper local run.
 */
const SCALE = Math.max(1, Number(process.env.PARLEY_FUZZ_SCALE) || 1);
const RUNS = {
  unary: 50 * SCALE,
  stream: 16 * SCALE,
  body: 150 * SCALE,
  http: 200 * SCALE,
} as const;

/**
 * How failures are reported. Shrinking is bounded in time: a failing request can be megabytes
 * (2,000 stream positions), and shrinking it step by step could outlast the test's timeout.
 */
const REPORTING = {
  includeErrorInReport: true,
  interruptAfterTimeLimit: 45_000,
  markInterruptAsFailure: true,
} as const;

// One instance and auth; no Redis (the in-process bus). No Send limit: fuzzing should reach the
// handlers, not stop at resource_exhausted.
const cluster = await startMessagingCluster({
  instances: 1,
  redis: false,
  env: { PARLEY_MESSAGING_SEND_LIMIT: "off" },
});
const server = cluster.instance(0);
const baseUrl = server.baseUrl;
// The test's own client needs more than Node's default 10 MB of HTTP/2 session memory: every
// Subscribe here is cancelled after 3 events with more unread, and the client's session keeps
// counting what it buffered for those streams, so after about 120 of them (PARLEY_FUZZ_SCALE=10,
// seed 2011783066) it refused a response's headers itself (ENHANCE_YOUR_CALM). The server was
// fine: its session had no more than a few streams open and saw no errors.
const grpc = createGrpcTransport({ baseUrl, nodeOptions: { maxSessionMemory: 100 } });
const transports: readonly [string, Transport][] = [
  ["gRPC", grpc],
  ["Connect JSON", createConnectTransport({ baseUrl, httpVersion: "1.1" })],
];
const owner = await cluster.register("fuzz-owner");
const other = await cluster.register("fuzz-other");
const outsider = await cluster.register("fuzz-outsider");
const people: Record<"owner" | "other" | "admin", TestUser> = {
  owner,
  other,
  admin: cluster.admin,
};
const kids = (await cluster.auth.getJwks({})).keys.map((key) => key.kid);

// Declared after every top-level await: ava starts running once the first test is declared.
test.after.always(() => cluster.close());

/** Who a fuzzed call claims to be. */
type Bearer =
  | { readonly kind: "none" }
  | { readonly kind: "valid"; readonly who: keyof typeof people }
  | { readonly kind: "garbage"; readonly header: string };

// Valid tokens weigh most, so calls get past authentication into the handlers.
const bearers: fc.Arbitrary<Bearer> = fc.oneof(
  fc.constant<Bearer>({ kind: "none" }),
  {
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      who: fc.constantFrom<keyof typeof people>("owner", "owner", "other", "admin"),
    }),
    weight: 6,
  },
  garbageAuthorization(kids).map((header): Bearer => ({ kind: "garbage", header })),
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

/** Channels, messages, tokens and epochs that exist, made fresh for each property. */
async function fixtures() {
  const client = server.client;
  const pub = await createChannel(client, owner, { members: [other] });
  const priv = await createChannel(client, owner, { kind: ChannelKind.PRIVATE, members: [other] });
  const foreign = await createChannel(client, outsider, { kind: ChannelKind.PRIVATE });
  const direct = await client.openDirectChannel({ userIds: [other.id] }, owner.call);
  const directId = direct.channel?.channel?.id ?? "";
  const root = await send(client, owner, pub.id, `hello @${other.username}`);
  const reply = await client.sendMessage(
    { channelId: pub.id, text: "a reply", threadRootId: root.id, idempotencyKey: randomUUID() },
    other.call,
  );
  const privMessage = await send(client, other, priv.id, "private words");
  const foreignMessage = await send(client, outsider, foreign.id, "not for you");
  await client.addReaction({ channelId: pub.id, messageId: root.id, emoji: "👍" }, other.call);

  const tokens = [
    (await client.listChannels({ pageSize: 1 }, owner.call)).nextPageToken,
    (await client.listMembers({ channelId: pub.id, pageSize: 1 }, owner.call)).nextPageToken,
    (await client.listPublicChannels({ pageSize: 1 }, owner.call)).nextPageToken,
  ].filter((token) => token !== "");
  const { stream, subscribed } = await EventStream.open(client, owner);
  stream.close();
  const epochs = subscribed.channels.map((c) => c.epoch);

  const channelIds = [pub.id, priv.id, foreign.id, directId, pub.id.toUpperCase()];
  // Messages with their channel, so pinned requests name pairs that exist together.
  const located = [
    { channelId: pub.id, messageId: root.id },
    { channelId: pub.id, messageId: reply.message?.id ?? "" },
    { channelId: priv.id, messageId: privMessage.id },
    { channelId: foreign.id, messageId: foreignMessage.id },
  ];
  const messageIds = [root.id, reply.message?.id ?? "", privMessage.id, foreignMessage.id];
  const userIds = [owner.id, other.id, outsider.id, cluster.admin.id, other.id.toUpperCase()];
  return {
    channelIds: fc.constantFrom(...channelIds),
    located: fc.constantFrom(...located),
    messageIds: fc.constantFrom(...messageIds),
    userIds: fc.constantFrom(...userIds),
    keys: fc.constantFrom(root.idempotencyKey, randomUUID(), randomUUID()),
    tokens: fc.constantFrom("", "", ...tokens),
    epochs: fc.constantFrom(...epochs, "0", ""),
    names: fc.constantFrom(pub.name, priv.name, pub.name.toUpperCase(), "general"),
    emojis: fc.constantFrom("👍", ":party_parrot:", "👍🏽", "x", "🇫🇷"),
    texts: fc.constantFrom(`@${other.username} look`, `@${outsider.username}`, "@nobody", "ok"),
    offsets: fc.bigInt(0n, 12n),
  };
}

type Fixtures = Awaited<ReturnType<typeof fixtures>>;

/**
 * Hints for every field of `schema` (and the messages it nests) that names a channel, message,
 * person, key, page token, epoch, name, emoji or text: the fixtures' real values, so generated
 * requests reach deep into the handlers.
 */
function hintsFor(
  schema: DescMessage,
  values: Fixtures,
  hints: Record<string, fc.Arbitrary<unknown>> = {},
  seen = new Set<string>(),
): Record<string, fc.Arbitrary<unknown>> {
  if (seen.has(schema.typeName)) return hints;
  seen.add(schema.typeName);
  for (const field of schema.fields) {
    const hint = hintFor(field, values);
    if (hint) hints[`${schema.typeName}.${field.name}`] = hint;
    if (field.message?.typeName.startsWith("parley.")) {
      hintsFor(field.message, values, hints, seen);
    }
  }
  return hints;
}

function hintFor(field: DescField, values: Fixtures): fc.Arbitrary<unknown> | undefined {
  if (field.scalar === ScalarType.UINT64 && field.name === "offset") return values.offsets;
  if (field.scalar !== ScalarType.STRING) return undefined;
  switch (field.name) {
    case "channel_id":
      return values.channelIds;
    case "message_id":
    case "thread_root_id":
    case "around_message_id":
      return values.messageIds;
    case "user_id":
    case "user_ids":
    case "member_user_ids":
      return values.userIds;
    case "idempotency_key":
      return values.keys;
    case "page_token":
      return values.tokens;
    case "epoch":
      return values.epochs;
    case "name":
    case "query":
      return values.names;
    case "emoji":
      return values.emojis;
    case "text":
      return values.texts;
    default:
      return undefined;
  }
}

/**
 * Requests whose id-like top-level fields are all set to the fixtures' values (the rest as
 * generated): the generic generator mixes hints in per field, so a request with three ids
 * rarely names three that exist together. These do, and reach the handlers' deeper branches.
 */
function pinnedRequests(
  schema: DescMessage,
  requests: fc.Arbitrary<Message>,
  values: Fixtures,
  hints: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Message> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of schema.fields) {
    const hint = hints[`${schema.typeName}.${field.name}`];
    if (!hint || field.oneof) continue;
    parts[field.localName] =
      field.fieldKind === "list" ? fc.uniqueArray(hint, { minLength: 1, maxLength: 3 }) : hint;
  }
  if (Object.keys(parts).length === 0) return requests;
  // A message id goes with its own channel (a thread root with the channel it is in).
  const messageField = ["messageId", "threadRootId"].find((name) => name in parts);
  return fc
    .tuple(requests, fc.record(parts), values.located)
    .map(([request, pinned, { channelId, messageId }]) => {
      const message: Record<string, unknown> = { ...request, ...pinned };
      if (messageField && "channelId" in pinned) {
        message.channelId = channelId;
        message[messageField] = messageId;
      }
      return message as Message;
    });
}

/** Counts of what the fuzzer got back, logged so a run shows how deep it reached. */
class Tally extends Map<string, number> {
  add(key: string): void {
    this.set(key, (this.get(key) ?? 0) + 1);
  }
  override toString(): string {
    return [...this.entries()].map(([key, n]) => `${key} ${n}`).join(", ");
  }
}

/** The server's limit on a request message (serve()'s default `readMaxBytes`). */
const READ_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Calls over gRPC on a connection of their own, closed afterwards: for requests larger than
 * the server accepts. The server answers those `resource_exhausted` from their first bytes and
 * leaves the rest unread, and a Node HTTP/2 client keeps that rest buffered in its session:
 * two such requests exhaust the session's memory and every later call on it fails with
 * NGHTTP2_ENHANCE_YOUR_CALM. An isolated connection keeps that from the calls that follow.
 */
async function isolatedGrpcCall(
  method: (typeof MessagingService.methods)[number],
  request: Message,
  options: Parameters<typeof callRpc>[3],
) {
  const sessionManager = new Http2SessionManager(baseUrl);
  try {
    return await callRpc(
      createGrpcTransport({ baseUrl, sessionManager }),
      method,
      [request],
      options,
    );
  } finally {
    sessionManager.abort();
  }
}

/** Codes a caller's request must never earn: server faults, and hangs. */
function isFault(code: Code): boolean {
  return (
    SERVER_FAULT_CODES.has(code) || code === Code.DeadlineExceeded || code === Code.Unavailable
  );
}

/**
 * The server still answers (health says SERVING; a real call works over both transports), and
 * it logged no error since line `since` of its log.
 */
async function assertServerAnswers(t: ExecutionContext, since: number): Promise<void> {
  const health = await createClient(Health, grpc).check({
    service: MessagingService.typeName,
  });
  t.is(health.status, ServingStatus.SERVING);
  for (const [name, transport] of transports) {
    const res = await createClient(MessagingService, transport).listChannels({}, owner.call);
    t.true(res.channels.length >= 1, name);
  }
  const errors = server.log
    .lines()
    .slice(since)
    .filter((line) => Number(line.level) >= 50);
  t.deepEqual(errors, [], "the server logged errors");
}

for (const method of MessagingService.methods) {
  const streaming = method.methodKind === "server_streaming";
  test.serial(`${method.name}: random requests never get a server-fault code`, async (t) => {
    const logged = server.log.lines().length;
    const values = await fixtures();
    const hints = hintsFor(method.input, values);
    const generated = requestArbitrary(method, { hints });
    const requests = fc.oneof(generated, pinnedRequests(method.input, generated, values, hints));
    const outcomes = new Tally();
    await fc.assert(
      fc.asyncProperty(requests, bearers, async (request, bearer) => {
        const headers = headersFor(bearer);
        const oversized = toBinary(method.input, request as never).length > READ_MAX_BYTES;
        for (const [name, transport] of transports) {
          if (name === "Connect JSON" && !jsonEncodable(method.input, request)) continue;
          const options = {
            headers,
            // Subscribe: the first events (subscribed, any replay), then the client goes away.
            maxResponses: 3,
            streamWindowMs: 150,
          };
          const outcome =
            oversized && name === "gRPC"
              ? await isolatedGrpcCall(method, request, options)
              : await callRpc(transport, method, [request], options);
          if (oversized) outcomes.add("oversized");
          outcomes.add(outcome.ok ? "ok" : Code[outcome.error.code]);
          if (!outcome.ok && isFault(outcome.error.code)) {
            throw new Error(`${method.name} over ${name}: ${describeOutcome(outcome)}`);
          }
        }
      }),
      { numRuns: streaming ? RUNS.stream : RUNS.unary, ...REPORTING },
    );
    t.log(`outcomes: ${outcomes}`);
    await assertServerAnswers(t, logged);
  });
}

test.serial(
  "random bodies for every RPC never get 5xx or a server-fault grpc-status",
  async (t) => {
    const logged = server.log.lines().length;
    const answers = new Tally();
    await fc.assert(rawBodiesNeverFault(baseUrl, MessagingService, bearers, headersFor, answers), {
      numRuns: RUNS.body,
      ...REPORTING,
    });
    t.log(`answers: ${answers}`);
    await assertServerAnswers(t, logged);
  },
);

// Random methods, paths (GET and its query parameters included), headers and bodies.
test.serial("random HTTP requests never get 5xx, over HTTP/1.1 and HTTP/2", async (t) => {
  const logged = server.log.lines().length;
  const answers = new Tally();
  await fc.assert(randomRequestsNeverFault(baseUrl, MessagingService, {}, answers), {
    numRuns: RUNS.http,
    ...REPORTING,
  });
  t.log(`answers: ${answers}`);
  await assertServerAnswers(t, logged);
});

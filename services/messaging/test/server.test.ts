/**
 * Messaging on a real server (port 0, h2c, gRPC protocol) with the mesh's interceptors: access
 * policy, validation and error mapping in front of the handlers, and graceful shutdown ending
 * live streams with `unavailable`.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { type MessagingEvent, RecoveryStatus } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import {
  type AuthenticatedUser,
  connectTo,
  createLogger,
  InvalidTokenError,
  type TokenVerifier,
} from "@parley/mesh";
import test from "ava";
import { captureLogger } from "../../../test/support/auth-server.js";
import { waitUntil } from "../../../test/support/redis.js";
import { loadConfig } from "../src/config.js";
import { serveMessaging } from "../src/messaging-server.js";
import { FakeDirectory, key } from "./helpers/harness.js";

/** Access tokens are opaque strings mapped to people (auth's signatures are auth's tests' job). */
function fakeTokens(): TokenVerifier & {
  issue(user: Omit<AuthenticatedUser, "tokenId" | "expiresAt">): string;
} {
  const issued = new Map<string, AuthenticatedUser>();
  return {
    issue(user) {
      const token = randomUUID();
      issued.set(token, { ...user, tokenId: token, expiresAt: new Date(Date.now() + 600_000) });
      return token;
    },
    async verify(token) {
      const user = issued.get(token);
      if (!user) throw new InvalidTokenError("unknown token");
      return user;
    },
  };
}

test("over HTTP/2: policy, validation, a live stream, and a graceful stop", async (t) => {
  const tokens = fakeTokens();
  const users = new FakeDirectory();
  const alice = users.add("alice");
  const bob = users.add("bob");
  const server = await serveMessaging(
    loadConfig({ PORT: "0", HOST: "127.0.0.1", PARLEY_MESSAGING_DATA_DIR: ":memory:" }),
    { logger: createLogger({ service: "messaging-test", level: "silent" }), tokens, users },
  );
  let closed = false;
  t.teardown(() => (closed ? undefined : server.close()));
  const client = createClient(
    MessagingService,
    connectTo({ baseUrl: `http://127.0.0.1:${server.served.port}`, defaultTimeoutMs: 10_000 }),
  );
  const as = (id: string) => ({
    headers: { authorization: `Bearer ${tokens.issue({ id, role: "member" })}` },
  });

  const anonymous = await t.throwsAsync(client.listChannels({}));
  t.is(ConnectError.from(anonymous).code, Code.Unauthenticated);
  const invalid = await t.throwsAsync(
    client.sendMessage({ channelId: "nope", text: "x", idempotencyKey: key() }, as(alice.id)),
  );
  t.is(
    ConnectError.from(invalid).code,
    Code.InvalidArgument,
    "protovalidate runs before the handler",
  );
  const blank = await t.throwsAsync(
    client.sendMessage(
      { channelId: randomUUID(), text: "   ", idempotencyKey: key() },
      as(alice.id),
    ),
  );
  t.is(ConnectError.from(blank).code, Code.InvalidArgument, "whitespace-only text is refused");

  const created = await client.createChannel(
    { kind: 1, name: "wire", memberUserIds: [bob.id] },
    as(alice.id),
  );
  const channelId = created.channel?.channel?.id ?? "";
  const stream = client.subscribe({}, as(bob.id))[Symbol.asyncIterator]();
  t.is((await stream.next()).value?.event?.payload.case, "subscribed");
  await client.sendMessage(
    { channelId, text: "over the wire", idempotencyKey: key() },
    as(alice.id),
  );
  let event = (await stream.next()).value?.event;
  while (event?.payload.case === "presenceChanged") event = (await stream.next()).value?.event;
  t.is(event?.payload.case, "messageCreated");
  if (event?.payload.case === "messageCreated") {
    t.is(event.payload.value.message?.text, "over the wire");
  }

  const ending = (async () => {
    for (;;) {
      const next = await stream.next();
      if (next.done) return undefined;
    }
  })().catch((err: unknown) => ConnectError.from(err));
  closed = true;
  await server.close();
  const err = await ending;
  t.is(err?.code, Code.Unavailable, "shutdown ends streams with unavailable; clients reconnect");
});

/** The next message event of a stream (skipping presence, read state and heartbeats). */
async function nextMessage(
  stream: AsyncIterator<{ event?: MessagingEvent }>,
): Promise<MessagingEvent | undefined> {
  for (;;) {
    const next = await stream.next();
    if (next.done) return undefined;
    const event = next.value.event;
    if (event && event.offset > 0n) return event;
  }
}

test("Subscribe over serve() in every protocol: the same events, in order; a reader that stops is cut off and loses nothing", async (t) => {
  const tokens = fakeTokens();
  const users = new FakeDirectory();
  const alice = users.add("alice");
  const bob = users.add("bob");
  const server = await serveMessaging(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      PARLEY_MESSAGING_DATA_DIR: ":memory:",
      PARLEY_MESSAGING_SEND_LIMIT: "off",
      PARLEY_MESSAGING_STREAM_QUEUE: "16",
    }),
    { logger: createLogger({ service: "messaging-test", level: "silent" }), tokens, users },
  );
  t.teardown(() => server.close());
  const baseUrl = `http://127.0.0.1:${server.served.port}`;
  const as = (id: string) => ({
    headers: { authorization: `Bearer ${tokens.issue({ id, role: "member" })}` },
  });
  const transports: Record<string, Transport> = {
    "gRPC, h2c": createGrpcTransport({ baseUrl }),
    "Connect binary, HTTP/2": createConnectTransport({ baseUrl, httpVersion: "2" }),
    "Connect JSON, HTTP/1.1": createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      useBinaryFormat: false,
    }),
    "gRPC-Web binary, HTTP/1.1": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
  };
  const alices = createClient(MessagingService, transports["gRPC, h2c"]!);
  const created = await alices.createChannel(
    { kind: 1, name: "protocols", memberUserIds: [bob.id] },
    as(alice.id),
  );
  const channelId = created.channel?.channel?.id ?? "";

  // Client iterators do not cancel their call on return(): an abort signal does.
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const streams = Object.entries(transports).map(([name, transport]) => ({
    name,
    it: createClient(MessagingService, transport)
      .subscribe({}, { ...as(bob.id), signal: abort.signal })
      [Symbol.asyncIterator](),
  }));
  for (const { name, it } of streams) {
    t.is((await it.next()).value?.event?.payload.case, "subscribed", name);
  }
  const texts = Array.from({ length: 30 }, (_, i) => `message ${i}`);
  for (const text of texts) {
    await alices.sendMessage({ channelId, text, idempotencyKey: key() }, as(alice.id));
  }
  for (const { name, it } of streams) {
    const got: string[] = [];
    let previous: bigint | undefined;
    while (got.length < texts.length) {
      const event = await nextMessage(it);
      if (event?.payload.case !== "messageCreated") continue;
      if (previous !== undefined) t.is(event.offset, previous + 1n, name);
      previous = event.offset;
      got.push(event.payload.value.message?.text ?? "");
    }
    t.deepEqual(got, texts, name);
  }

  // A reader that stops reading (on its own connection: HTTP/2 flow control is per connection
  // too) holds the server's writes; the stream's frames and then its inbox fill up, and the
  // stream ends with unavailable.
  const bobs = createClient(MessagingService, createGrpcTransport({ baseUrl }));
  const stalled = bobs
    .subscribe({}, { ...as(bob.id), signal: abort.signal })
    [Symbol.asyncIterator]();
  const subscribed = (await stalled.next()).value?.event;
  t.is(subscribed?.payload.case, "subscribed");
  // About 300 of these fill the connection's window, the server's buffers, the stream's frames
  // and its inbox.
  const big = "y".repeat(3_900);
  const sent: string[] = [];
  for (let i = 0; i < 700; i++) {
    const text = `${i} ${big}`;
    await alices.sendMessage({ channelId, text, idempotencyKey: key() }, as(alice.id));
    sent.push(text);
  }
  const delivered: MessagingEvent[] = [];
  let ended: ConnectError | undefined;
  try {
    for (;;) {
      const event = await nextMessage(stalled);
      if (!event) break;
      delivered.push(event);
    }
  } catch (err) {
    ended = ConnectError.from(err);
  }
  t.is(ended?.code, Code.Unavailable, "the stalled stream was ended as too slow");
  t.true(delivered.length < sent.length, `cut off after ${delivered.length} messages`);
  const last = delivered[delivered.length - 1];
  const offsets = delivered.map((e) => e.offset);
  t.deepEqual(
    offsets,
    offsets.map((_, i) => (offsets[0] ?? 0n) + BigInt(i)),
    "what arrived is in order, without gaps",
  );
  t.deepEqual(
    delivered.map((e) =>
      e.payload.case === "messageCreated" ? e.payload.value.message?.text : "",
    ),
    sent.slice(0, delivered.length),
  );

  // Reconnecting with its position: exactly the rest, in order.
  const resumed = bobs
    .subscribe(
      { positions: [{ channelId, epoch: last?.epoch ?? "", offset: last?.offset ?? 0n }] },
      { ...as(bob.id), signal: abort.signal },
    )
    [Symbol.asyncIterator]();
  const again = (await resumed.next()).value?.event;
  t.is(
    again?.payload.case === "subscribed" ? again.payload.value.channels[0]?.recovery : undefined,
    RecoveryStatus.RECOVERED,
  );
  const rest: string[] = [];
  while (delivered.length + rest.length < sent.length) {
    const event = await nextMessage(resumed);
    if (event?.payload.case !== "messageCreated") continue;
    rest.push(event.payload.value.message?.text ?? "");
  }
  const firstMissing = sent.length - rest.length;
  t.deepEqual(rest, sent.slice(firstMissing), "the rest of the messages, once each, in order");
});

test("over HTTP/2, a full instance refuses SendMessage at admission, before the call is read", async (t) => {
  const tokens = fakeTokens();
  const directory = new FakeDirectory();
  const alice = directory.add("alice");
  directory.add("bob");
  // Mention lookups wait on a gate, so a send stays in hand as long as the test wants.
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let lookingUp = 0;
  const users = {
    lookupByIds: (ids: readonly string[]) => directory.lookupByIds(ids),
    lookupByUsernames: async (names: readonly string[]) => {
      lookingUp++;
      await gate;
      return directory.lookupByUsernames(names);
    },
  };
  const log = captureLogger("messaging");
  const server = await serveMessaging(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      PARLEY_MESSAGING_DATA_DIR: ":memory:",
      PARLEY_MESSAGING_MAX_SENDS_IN_FLIGHT: "1",
    }),
    { logger: log.logger, tokens, users },
  );
  t.teardown(() => server.close());
  t.teardown(() => open()); // runs first: a failed assertion leaves no send hanging
  const client = createClient(
    MessagingService,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.served.port}` }),
  );
  const call = {
    headers: { authorization: `Bearer ${tokens.issue({ id: alice.id, role: "member" })}` },
  };
  const created = await client.createChannel({ kind: 1, name: "full" }, call);
  const channelId = created.channel?.channel?.id ?? "";
  const held = client.sendMessage({ channelId, text: "hi @bob", idempotencyKey: key() }, call);
  await waitUntil(() => lookingUp > 0, "the first send is in hand");
  const refused = ConnectError.from(
    await t.throwsAsync(
      client.sendMessage({ channelId, text: "more", idempotencyKey: key() }, call),
    ),
  );
  t.is(refused.code, Code.ResourceExhausted);
  t.truthy(
    log.lines().find((line) => String(line.msg).startsWith("refusing calls at admission")),
    "refused by serve()'s admission, not by the handler's backstop",
  );
  open();
  t.truthy((await held).message?.id);
});

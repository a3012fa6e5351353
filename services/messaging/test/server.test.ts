/**
 * Messaging on a real server (port 0, h2c, gRPC protocol) with the mesh's interceptors: access
 * policy, validation and error mapping in front of the handlers, and graceful shutdown ending
 * live streams with `unavailable`.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import {
  type AuthenticatedUser,
  connectTo,
  createLogger,
  InvalidTokenError,
  type TokenVerifier,
} from "@parley/mesh";
import test from "ava";
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

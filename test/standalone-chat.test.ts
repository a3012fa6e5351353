import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import { loadStandaloneConfig } from "../server/src/config.js";
import { startStandalone } from "../server/src/standalone-server.js";
import { testLogger } from "./support/auth-server.js";

/**
 * The newcomer's path in the single process, the way a browser talks to it: Connect over
 * HTTP/1.1 (JSON for unary calls, a streaming response for Subscribe), all on one port.
 */
test("two people chat live through npm start's server over Connect/HTTP 1.1", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-chat-"));
  const parley = await startStandalone(
    loadStandaloneConfig({ PORT: "0", HOST: "127.0.0.1", PARLEY_DATA_DIR: dataDir }),
    testLogger("parley"),
  );
  t.teardown(() => parley.close());
  const baseUrl = `http://127.0.0.1:${parley.served.port}`;
  const auth = createClient(AuthService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
  const as = (token: string) => {
    const bearer: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    };
    return createClient(
      MessagingService,
      createConnectTransport({
        baseUrl,
        httpVersion: "1.1",
        useBinaryFormat: false,
        interceptors: [bearer],
      }),
    );
  };
  const signUp = async (username: string) => {
    const { session } = await auth.register({
      username,
      email: `${username}@example.com`,
      password: "correct horse battery staple",
    });
    return as(session?.accessToken ?? "");
  };
  const alice = await signUp("alice");
  const bob = await signUp("bob");

  const { channel } = await alice.createChannel({ kind: ChannelKind.PUBLIC, name: "general" });
  const channelId = channel?.channel?.id ?? "";
  await bob.joinChannel({ channelId });

  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const received: string[] = [];
  let subscribed = false;
  const stream = (async () => {
    for await (const res of bob.subscribe({}, { signal: abort.signal })) {
      const event = res.event;
      if (event?.payload.case === "subscribed") subscribed = true;
      if (event?.payload.case === "messageCreated" && event.channelId === channelId) {
        received.push(event.payload.value.message?.text ?? "");
        if (received.length === 2) return;
      }
    }
  })();
  while (!subscribed) await new Promise((resolve) => setTimeout(resolve, 10));

  await alice.sendMessage({ channelId, text: "hello @bob", idempotencyKey: randomUUID() });
  await alice.sendMessage({ channelId, text: "are you there?", idempotencyKey: randomUUID() });
  await stream;
  t.deepEqual(received, ["hello @bob", "are you there?"]);

  const history = await bob.listMessages({ channelId });
  t.deepEqual(
    history.messages.map((m) => m.text),
    ["hello @bob", "are you there?"],
  );
  const bobId = (await auth.login({ login: "bob", password: "correct horse battery staple" }))
    .session?.user?.id;
  t.deepEqual(history.messages[0]?.mentionedUserIds, [bobId]);
});

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { NotificationEvent } from "@parley/gen/parley/notifications/v1/events_pb.js";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import test from "ava";
import { loadStandaloneConfig } from "../server/src/config.js";
import { startStandalone } from "../server/src/standalone-server.js";
import { testLogger } from "./support/auth-server.js";
import { StreamReader } from "./support/stream-reader.js";

/**
 * Notifications in `npm start`'s single process, the way a browser reaches them (Connect over
 * HTTP/1.1, JSON): messaging's mention reaches the notifications service in memory, and the
 * mentioned person sees it in their inbox, their unread count and their live stream.
 */
test("an @mention in a channel reaches the mentioned person's inbox, count and live stream", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-notify-"));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const parley = await startStandalone(
    loadStandaloneConfig({ PORT: "0", HOST: "127.0.0.1", PARLEY_DATA_DIR: dataDir }),
    testLogger("parley"),
  );
  t.teardown(() => parley.close());
  const baseUrl = `http://127.0.0.1:${parley.served.port}`;
  const transport = (token?: string) => {
    const bearer: Interceptor = (next) => (req) => {
      if (token) req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    };
    return createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      useBinaryFormat: false,
      interceptors: [bearer],
    });
  };
  const auth = createClient(AuthService, transport());
  const signUp = async (username: string) => {
    const { session } = await auth.register({
      username,
      email: `${username}@example.com`,
      password: "correct horse battery staple",
    });
    const token = session?.accessToken ?? "";
    return {
      id: session?.user?.id ?? "",
      messaging: createClient(MessagingService, transport(token)),
      notifications: createClient(NotificationService, transport(token)),
    };
  };
  const alice = await signUp("alice");
  const bob = await signUp("bob");
  const { channel } = await alice.messaging.createChannel({
    kind: ChannelKind.PUBLIC,
    name: "general",
  });
  const channelId = channel?.channel?.id ?? "";
  await bob.messaging.joinChannel({ channelId });

  const stream = new StreamReader<NotificationEvent>((signal) =>
    alice.notifications.subscribe({}, { signal }),
  );
  t.teardown(() => stream.close());
  const subscribed = await stream.next();
  t.is(subscribed.payload.case, "subscribed");
  t.is(subscribed.unreadCount, 0);

  const sent = await bob.messaging.sendMessage({
    channelId,
    text: "lunch at noon, @alice?",
    idempotencyKey: randomUUID(),
  });

  const created = await stream.next();
  t.is(created.payload.case, "notificationCreated");
  t.is(created.unreadCount, 1);
  const live =
    created.payload.case === "notificationCreated" ? created.payload.value.notification : undefined;
  t.is(live?.kind, NotificationKind.MENTION);
  t.is(live?.title, "bob mentioned you in #general");
  t.is(live?.body, "lunch at noon, @alice?");
  t.is(live?.channelId, channelId);
  t.is(live?.messageId, sent.message?.id);
  t.is(live?.actorUserId, bob.id);

  const inbox = await alice.notifications.listNotifications({});
  t.deepEqual(
    inbox.notifications.map((n) => n.id),
    [live?.id],
  );
  t.is((await alice.notifications.getUnreadCount({})).unreadCount, 1);
  t.is((await bob.notifications.getUnreadCount({})).unreadCount, 0, "the author is not notified");

  // Opening the channel marks its notifications read, on every device.
  const marked = await alice.notifications.markRead({ channelId });
  t.deepEqual([marked.markedCount, marked.unreadCount], [1, 0]);
  const read = await stream.next();
  t.is(read.payload.case, "notificationsRead");
  t.is(read.unreadCount, 0);

  // Notify is for mesh services: a browser reaching the same port cannot call it.
  const refused = await t.throwsAsync(
    alice.notifications.notify({
      idempotencyKey: "forged",
      recipientUserIds: [bob.id],
      kind: NotificationKind.SYSTEM,
      title: "forged",
    }),
  );
  t.is(ConnectError.from(refused).code, Code.PermissionDenied);
  t.is((await bob.notifications.getUnreadCount({})).unreadCount, 0);
  t.truthy((await auth.getJwks({})).keys.length, "auth still answers");
  const vapid = createClient(NotificationService, transport());
  t.is(Buffer.from((await vapid.getVapidPublicKey({})).publicKey, "base64url").length, 65);

  t.is(stream.error, undefined, "the stream stayed open throughout");
});

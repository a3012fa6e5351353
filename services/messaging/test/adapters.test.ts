import { create } from "@bufbuild/protobuf";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { UserSchema } from "@parley/gen/parley/auth/v1/user_pb.js";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import {
  NotificationService,
  type NotifyRequest,
} from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import test from "ava";
import { authJwksSource } from "../src/adapters/auth-jwks.js";
import { createAuthUserDirectory } from "../src/adapters/auth-user-directory.js";
import { NotificationServiceNotifier } from "../src/adapters/notification-service-notifier.js";

test("the auth directory batches LookupUsers by 100 and keys answers by id and username", async (t) => {
  const accounts = Array.from({ length: 150 }, (_, i) =>
    create(UserSchema, {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      username: `user${i}`,
      displayName: `User ${i}`,
    }),
  );
  const calls: { ids: number; usernames: number }[] = [];
  const transport = createRouterTransport((router) =>
    router.service(AuthService, {
      async lookupUsers(req) {
        calls.push({ ids: req.ids.length, usernames: req.usernames.length });
        t.true(req.ids.length <= 100 && req.usernames.length <= 100);
        return {
          users: accounts.filter(
            (u) => req.ids.includes(u.id) || req.usernames.includes(u.username),
          ),
        };
      },
    }),
  );
  const directory = createAuthUserDirectory(transport);
  const byId = await directory.lookupByIds([
    ...accounts.map((u) => u.id),
    "7d444840-9dc0-11d1-b245-5ffdce74fad2",
  ]);
  t.is(byId.size, 150, "unknown ids are simply absent");
  t.deepEqual(byId.get(accounts[7]?.id ?? ""), {
    id: accounts[7]?.id,
    username: "user7",
    displayName: "User 7",
  });
  const byName = await directory.lookupByUsernames(["USER3", "user3", "ghost"]);
  t.deepEqual([...byName.keys()], ["user3"]);
  t.deepEqual(calls, [
    { ids: 100, usernames: 0 },
    { ids: 51, usernames: 0 },
    { ids: 0, usernames: 2 },
  ]);
});

test("the notifier calls Notify with the contract's fields, 1,000 recipients per call", async (t) => {
  const received: NotifyRequest[] = [];
  const transport = createRouterTransport((router) =>
    router.service(NotificationService, {
      async notify(req) {
        received.push(req);
        return {};
      },
    }),
  );
  const notifier = new NotificationServiceNotifier(createClient(NotificationService, transport));
  const recipients = Array.from({ length: 1500 }, (_, i) => `r${i}`);
  await notifier.notify({
    idempotencyKey: "mention:m1",
    recipientIds: recipients,
    kind: "mention",
    title: "alice mentioned you in #general",
    body: "hi",
    channelId: "c1",
    messageId: "m1",
    threadRootId: "",
    actorId: "a1",
    link: "/channels/c1?message=m1",
  });
  t.deepEqual(
    received.map((r) => r.recipientUserIds.length),
    [1000, 500],
  );
  t.like(received[0], {
    idempotencyKey: "mention:m1",
    kind: NotificationKind.MENTION,
    title: "alice mentioned you in #general",
    channelId: "c1",
    messageId: "m1",
    actorUserId: "a1",
    link: "/channels/c1?message=m1",
  });
});

test("the JWKS source reads auth's GetJwks as plain JWKs", async (t) => {
  const transport = createRouterTransport((router) =>
    router.service(AuthService, {
      async getJwks() {
        return {
          keys: [
            { kty: "OKP", crv: "Ed25519", x: "abc", kid: "k1", alg: "EdDSA", use: "sig" },
            { kty: "OKP", crv: "Ed25519", x: "def", kid: "k2", alg: "", use: "" },
          ],
        };
      },
    }),
  );
  t.deepEqual(await authJwksSource(transport)(), [
    { kty: "OKP", crv: "Ed25519", x: "abc", kid: "k1", alg: "EdDSA", use: "sig" },
    { kty: "OKP", crv: "Ed25519", x: "def", kid: "k2" },
  ]);
});

/**
 * Web Push: the VAPID key, push subscriptions per person, and delivery to a real HTTPS push
 * service on 127.0.0.1 that decrypts every message with the browser's keys (RFC 8291) and checks
 * the VAPID signature (RFC 8292), with gone subscriptions, retries and give-ups.
 */
import { randomUUID } from "node:crypto";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import test from "ava";
import { HttpsPushTransport } from "../src/adapters/https-push-transport.js";
import { MAX_PUSH_SUBSCRIPTIONS } from "../src/limits.js";
import { MAX_PUSH_PLAINTEXT } from "../src/push/push-payload.js";
import {
  type Harness,
  notifyRequest,
  type Person,
  rejection,
  startNotifications,
  tempDir,
  testConfig,
} from "./helpers/harness.js";
import { type BrowserKeys, browserKeys } from "./helpers/push-keys.js";
import { type LocalPushService, startPushService, verifyVapid } from "./helpers/push-service.js";

async function register(h: Harness, person: Person, endpoint: string, keys = browserKeys()) {
  const res = await h.client.registerPushSubscription(
    { endpoint, ...keys.registration, userAgent: "Firefox/140" },
    person.call,
  );
  if (!res.subscription) throw new Error("no subscription returned");
  return res.subscription;
}

/** Notifications wired to a real local push service over HTTPS. */
async function withPushService(
  t: Parameters<typeof startNotifications>[0],
  env: Record<string, string> = {},
) {
  const service = await startPushService();
  t.teardown(() => service.close());
  const transport = new HttpsPushTransport({ allowPrivateNetworks: true, ca: service.caPem });
  t.teardown(() => transport.close());
  const h = await startNotifications(t, {
    config: testConfig({ PARLEY_NOTIFICATIONS_PUSH_POLL_INTERVAL: "1h", ...env }),
    extra: { pushTransport: transport },
  });
  return { h, service };
}

function decryptLast(service: LocalPushService, keys: BrowserKeys): Record<string, string> {
  const last = service.received.at(-1);
  if (!last) throw new Error("nothing received");
  return JSON.parse(keys.decrypt(last.body).toString("utf8")) as Record<string, string>;
}

test("the VAPID public key is public, an uncompressed P-256 point, and survives restarts", async (t) => {
  const config = testConfig({ PARLEY_NOTIFICATIONS_DATA_DIR: tempDir(t) });
  const h = await startNotifications(t, { config });
  const { publicKey } = await h.client.getVapidPublicKey({});
  const point = Buffer.from(publicKey, "base64url");
  t.is(point.length, 65);
  t.is(point[0], 0x04);
  t.false(publicKey.includes("="), "base64url without padding");
  const other = await h.instance();
  t.is((await other.client.getVapidPublicKey({})).publicKey, publicKey, "instances share it");
  await h.notifications.close();
  await other.notifications.close();
  const restarted = await h.instance();
  t.is((await restarted.client.getVapidPublicKey({})).publicKey, publicKey, "persisted");
});

test("register, list, register again, unregister: only ever the caller's subscriptions", async (t) => {
  const h = await startNotifications(t);
  const [a, b] = [h.person(), h.person()];
  const first = await register(h, a, "https://push.example/one");
  t.is(first.endpoint, "https://push.example/one");
  t.is(first.userAgent, "Firefox/140");
  t.deepEqual(first.updatedAt, first.createdAt);
  h.clock.advance(1000);
  const second = await register(h, a, "https://push.example/two");
  t.deepEqual(
    (await h.client.listPushSubscriptions({}, a.call)).subscriptions.map((s) => s.id),
    [second.id, first.id],
    "most recently registered first",
  );
  t.deepEqual((await h.client.listPushSubscriptions({}, b.call)).subscriptions, []);

  h.clock.advance(1000);
  const again = await register(h, a, "https://push.example/one");
  t.is(again.id, first.id, "same endpoint, same subscription");
  const ms = (ts: typeof first.createdAt) => (ts ? timestampMs(ts) : Number.NaN);
  t.true(ms(again.updatedAt) > ms(first.createdAt), "updated_at moves on");
  t.deepEqual(again.createdAt, first.createdAt);

  await h.client.unregisterPushSubscription({ target: { case: "id", value: first.id } }, b.call);
  t.is(
    (await h.client.listPushSubscriptions({}, a.call)).subscriptions.length,
    2,
    "someone else cannot remove a's subscription by id",
  );
  await h.client.unregisterPushSubscription(
    { target: { case: "endpoint", value: "https://push.example/two" } },
    b.call,
  );
  t.is(
    (await h.client.listPushSubscriptions({}, a.call)).subscriptions.length,
    2,
    "nor by endpoint",
  );

  const moved = await register(h, b, "https://push.example/one");
  t.is(moved.id, first.id, "the endpoint moves to whoever registers it now");
  t.deepEqual(
    (await h.client.listPushSubscriptions({}, a.call)).subscriptions.map((s) => s.id),
    [second.id],
  );
  await h.client.unregisterPushSubscription({ target: { case: "id", value: second.id } }, a.call);
  await h.client.unregisterPushSubscription(
    { target: { case: "endpoint", value: "https://push.example/never" } },
    a.call,
  );
  t.deepEqual((await h.client.listPushSubscriptions({}, a.call)).subscriptions, []);
});

test("a 21st subscription replaces the least recently registered", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const ids: string[] = [];
  for (let i = 0; i < MAX_PUSH_SUBSCRIPTIONS; i++) {
    ids.push((await register(h, a, `https://push.example/${i}`)).id);
  }
  // Registering the oldest again makes the second oldest the least recently registered.
  await register(h, a, "https://push.example/0");
  await register(h, a, "https://push.example/new");
  const listed = (await h.client.listPushSubscriptions({}, a.call)).subscriptions;
  t.is(listed.length, MAX_PUSH_SUBSCRIPTIONS);
  t.false(listed.some((s) => s.id === ids[1]));
  t.true(listed.some((s) => s.id === ids[0]));
});

test("keys that are not a P-256 point are refused; push calls need a signed-in caller", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const bogus = Buffer.alloc(65, 7);
  bogus[0] = 4;
  const err = await rejection(() =>
    h.client.registerPushSubscription(
      {
        endpoint: "https://push.example/x",
        p256dh: bogus.toString("base64url"),
        auth: Buffer.alloc(16).toString("base64url"),
      },
      a.call,
    ),
  );
  t.is(err.code, Code.InvalidArgument);
  for (const call of [
    () =>
      h.client.registerPushSubscription({
        endpoint: "https://push.example/x",
        ...browserKeys().registration,
      }),
    () => h.client.unregisterPushSubscription({ target: { case: "id", value: randomUUID() } }),
    () => h.client.listPushSubscriptions({}),
  ]) {
    t.is((await rejection(call)).code, Code.Unauthenticated);
  }
});

test("a notification reaches the push service encrypted for the browser, signed with VAPID", async (t) => {
  const { h, service } = await withPushService(t);
  const a = h.person();
  const keys = browserKeys();
  await register(h, a, `${service.origin}/push/a1`, keys);
  const res = await h.client.notify(
    notifyRequest([a.id], { threadRootId: randomUUID() }),
    h.as("messaging"),
  );
  await h.notifications.push.kick();
  t.is(service.received.length, 1);
  const [push] = service.received;
  t.is(push?.path, "/push/a1");
  t.is(push?.headers["content-encoding"], "aes128gcm");
  t.is(push?.headers.urgency, "high");
  t.is(push?.headers.ttl, "86400");
  const { publicKey } = await h.client.getVapidPublicKey({});
  const claims = verifyVapid(
    String(push?.headers.authorization),
    publicKey,
    service.origin,
    h.clock.now(),
  );
  t.is(claims.sub, "mailto:push@parley.invalid");

  const payload = decryptLast(service, keys);
  const [stored] = (await h.client.listNotifications({}, a.call)).notifications;
  t.deepEqual(payload, {
    id: res.results[0]?.notificationId,
    kind: "NOTIFICATION_KIND_MENTION",
    title: stored?.title,
    body: stored?.body,
    link: stored?.link,
    channelId: stored?.channelId,
    messageId: stored?.messageId,
    threadRootId: stored?.threadRootId,
  });

  // A system notice: empty fields are left out, normal urgency.
  await h.client.notify(
    {
      idempotencyKey: "maintenance-1",
      recipientUserIds: [a.id],
      kind: NotificationKind.SYSTEM,
      title: "Maintenance tonight",
    },
    h.as("server-mgmt"),
  );
  await h.notifications.push.kick();
  const notice = decryptLast(service, keys);
  t.deepEqual(Object.keys(notice).sort(), ["id", "kind", "title"]);
  t.is(service.received.at(-1)?.headers.urgency, "normal");
});

test("every subscription of the recipient gets its own encryption; a long body is shortened to fit", async (t) => {
  const { h, service } = await withPushService(t);
  const a = h.person();
  const [phone, laptop] = [browserKeys(), browserKeys()];
  await register(h, a, `${service.origin}/push/phone`, phone);
  await register(h, a, `${service.origin}/push/laptop`, laptop);
  await h.client.notify(notifyRequest([a.id], { body: "🎉".repeat(1000) }), h.as("messaging"));
  await h.notifications.push.kick();
  t.is(service.received.length, 2);
  for (const [path, keys] of [
    ["/push/phone", phone],
    ["/push/laptop", laptop],
  ] as const) {
    const push = service.received.find((r) => r.path === path);
    if (!push) throw new Error(`nothing for ${path}`);
    t.true(push.body.length <= 4096, "one record within what every push service accepts");
    const plaintext = keys.decrypt(push.body);
    t.true(plaintext.length <= MAX_PUSH_PLAINTEXT);
    const payload = JSON.parse(plaintext.toString()) as { body: string };
    t.true(payload.body.endsWith("…"));
    t.true(payload.body.startsWith("🎉🎉"));
  }
  t.throws(() =>
    phone.decrypt(service.received.find((r) => r.path === "/push/laptop")?.body ?? Buffer.alloc(0)),
  );
});

test("a subscription the push service reports gone (404/410) is removed", async (t) => {
  const { h, service } = await withPushService(t);
  const a = h.person();
  await register(h, a, `${service.origin}/push/gone`);
  await register(h, a, `${service.origin}/push/missing`);
  await register(h, a, `${service.origin}/push/ok`);
  service.respond("/push/gone", { status: 410 });
  service.respond("/push/missing", { status: 404 });
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  await h.notifications.push.kick();
  t.deepEqual(
    (await h.client.listPushSubscriptions({}, a.call)).subscriptions.map((s) => s.endpoint),
    [`${service.origin}/push/ok`],
  );
});

test("5xx and 429 are retried with backoff, honouring Retry-After; then sent", async (t) => {
  const { h, service } = await withPushService(t);
  const a = h.person();
  const keys = browserKeys();
  await register(h, a, `${service.origin}/push/flaky`, keys);
  service.respond(
    "/push/flaky",
    { status: 503 },
    { status: 429, retryAfter: "120" },
    { status: 201 },
  );
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  await h.notifications.push.kick();
  t.is(service.received.length, 1);
  await h.notifications.push.kick();
  t.is(service.received.length, 1, "not due yet");
  h.clock.advance(11_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 2, "retried after the backoff");
  h.clock.advance(60_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 2, "Retry-After: 120 is honoured");
  h.clock.advance(61_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 3);
  t.truthy(decryptLast(service, keys).id, "the same message, still decryptable");
  h.clock.advance(3_600_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 3, "sent once, then done");
});

test("a delivery is given up after its attempts, and a notification read meanwhile is not pushed", async (t) => {
  const { h, service } = await withPushService(t, { PARLEY_NOTIFICATIONS_PUSH_ATTEMPTS: "2" });
  const a = h.person();
  await register(h, a, `${service.origin}/push/down`);
  service.respond("/push/down", { status: 500 });
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  await h.notifications.push.kick();
  h.clock.advance(20_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 2);
  h.clock.advance(3_600_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 2, "given up after 2 attempts");
  t.true(h.logger.lines.some((l) => l.message === "web push given up"));

  service.respond("/push/down", { status: 503 }, { status: 201 });
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  await h.notifications.push.kick();
  t.is(service.received.length, 3);
  await h.client.markRead({ all: true }, a.call);
  h.clock.advance(20_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 3, "read in the app first: no late push");
});

test("other refusals (e.g. 403 for VAPID) drop the message and keep the subscription", async (t) => {
  const { h, service } = await withPushService(t);
  const a = h.person();
  await register(h, a, `${service.origin}/push/forbidden`);
  service.respond("/push/forbidden", { status: 403 });
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  await h.notifications.push.kick();
  h.clock.advance(3_600_000);
  await h.notifications.push.kick();
  t.is(service.received.length, 1);
  t.is((await h.client.listPushSubscriptions({}, a.call)).subscriptions.length, 1);
});

test("by default the sender refuses endpoints on private and loopback addresses (SSRF)", async (t) => {
  const service = await startPushService();
  t.teardown(() => service.close());
  const transport = new HttpsPushTransport({ ca: service.caPem });
  t.teardown(() => transport.close());
  const port = new URL(service.origin).port;
  for (const endpoint of [
    `https://127.0.0.1:${port}/push/x`,
    `https://localhost:${port}/push/x`,
    `https://[::1]:${port}/push/x`,
  ]) {
    const err = await t.throwsAsync(
      transport.send({ endpoint, headers: {}, body: new Uint8Array(1), timeoutMs: 5000 }),
    );
    t.regex(String(err?.message), /not a public address|non-public address/, endpoint);
  }
  t.is(service.received.length, 0, "nothing reached the local service");
  const allowed = new HttpsPushTransport({ ca: service.caPem, allowPrivateNetworks: true });
  t.teardown(() => allowed.close());
  const res = await allowed.send({
    endpoint: `${service.origin}/push/x`,
    headers: {},
    body: new Uint8Array(1),
    timeoutMs: 5000,
  });
  t.is(res.status, 201);
});

test("with web push off, subscriptions are kept and nothing is sent", async (t) => {
  const { h, service } = await withPushService(t, { PARLEY_NOTIFICATIONS_PUSH: "off" });
  const a = h.person();
  await register(h, a, `${service.origin}/push/a`);
  await h.client.notify(notifyRequest([a.id]), h.as("messaging"));
  await h.notifications.push.kick();
  t.is(service.received.length, 0);
  t.is((await h.client.listPushSubscriptions({}, a.call)).subscriptions.length, 1);
});

/**
 * Single functions and classes with fake inputs: preference rules, Web Push encryption against
 * RFC 8291's own example, VAPID tokens, push payloads, the bus framing, a stream's queue, the
 * address guard, and the dispatcher's answers to each push-service status (fake ports).
 */
import { createECDH } from "node:crypto";
import { create, toJson } from "@bufbuild/protobuf";
import { TimestampSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { NotificationEventSchema } from "@parley/gen/parley/notifications/v1/events_pb.js";
import type { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import { DomainError } from "@parley/mesh";
import test from "ava";
import { isNonPublicAddress } from "../src/adapters/https-push-transport.js";
import { KIND_NAMES, kindEnumName, kindFromProto, kindToProto } from "../src/kinds.js";
import { NotificationStream } from "../src/live/notification-stream.js";
import { frameUserEvent, unframeUserEvent } from "../src/live/topics.js";
import type {
  NotificationContent,
  NotificationRecord,
  PreferencesRecord,
  PushDelivery,
  PushOutbox,
} from "../src/ports.js";
import { decide, defaultPreferences } from "../src/preferences.js";
import { fromTimestamp } from "../src/proto-mapping.js";
import { PushDispatcher } from "../src/push/push-dispatcher.js";
import { MAX_PUSH_PLAINTEXT, pushPayload } from "../src/push/push-payload.js";
import { generateVapidKeyPair, VapidSigner } from "../src/push/vapid.js";
import { encryptPushPayload, InvalidPushKeysError } from "../src/push/web-push-encryption.js";
import { FakeClock, MemoryLogger, RecordingPushTransport } from "./helpers/harness.js";
import { browserKeys } from "./helpers/push-keys.js";
import { verifyVapid } from "./helpers/push-service.js";

const content: NotificationContent = {
  kind: "mention",
  title: "bob mentioned you in #general",
  body: "hi",
  channelId: "c1",
  messageId: "m1",
  threadRootId: "",
  actorUserId: "bob",
  link: "/channels/c1?message=m1",
};

function prefs(change: Partial<PreferencesRecord>): PreferencesRecord {
  return { ...defaultPreferences(), ...change };
}

test("decide: self, disabled kind, muted channel, then push unless do-not-disturb or push off", (t) => {
  const now = 1_000_000;
  t.deepEqual(decide("bob", defaultPreferences(), content, now), { outcome: "self" });
  t.deepEqual(decide("alice", defaultPreferences(), content, now), {
    outcome: "create",
    push: true,
  });
  const kinds = { ...defaultPreferences().kinds };
  t.deepEqual(
    decide(
      "alice",
      prefs({ kinds: { ...kinds, mention: { enabled: false, push: true } } }),
      content,
      now,
    ),
    { outcome: "suppressed" },
  );
  t.deepEqual(
    decide(
      "alice",
      prefs({ kinds: { ...kinds, reply: { enabled: false, push: false } } }),
      content,
      now,
    ),
    { outcome: "create", push: true },
    "another kind's setting does not matter",
  );
  t.deepEqual(
    decide("alice", prefs({ channelMutes: [{ channelId: "c1", until: null }] }), content, now),
    { outcome: "suppressed" },
  );
  t.deepEqual(
    decide("alice", prefs({ channelMutes: [{ channelId: "c1", until: now }] }), content, now),
    { outcome: "create", push: true },
    "a mute ending now no longer holds",
  );
  t.deepEqual(
    decide(
      "alice",
      prefs({ channelMutes: [{ channelId: "c1", until: null }] }),
      { ...content, channelId: "" },
      now,
    ),
    { outcome: "create", push: true },
    "channel mutes only apply to notifications about a channel",
  );
  t.deepEqual(decide("alice", prefs({ muteAll: { until: null } }), content, now), {
    outcome: "create",
    push: false,
  });
  t.deepEqual(decide("alice", prefs({ muteAll: { until: now - 1 } }), content, now), {
    outcome: "create",
    push: true,
  });
  t.deepEqual(
    decide(
      "alice",
      prefs({ kinds: { ...kinds, mention: { enabled: true, push: false } } }),
      content,
      now,
    ),
    { outcome: "create", push: false },
  );
  t.deepEqual(
    decide("", defaultPreferences(), { ...content, actorUserId: "" }, now),
    { outcome: "create", push: true },
    "system notices have no actor",
  );
});

test("kinds map both ways and name their enum values", (t) => {
  for (const kind of KIND_NAMES) t.is(kindFromProto(kindToProto(kind)), kind);
  t.is(kindFromProto(0), undefined);
  t.is(kindFromProto(99 as NotificationKind), undefined);
  t.is(kindEnumName("direct_message"), "NOTIFICATION_KIND_DIRECT_MESSAGE");
});

test("Web Push encryption reproduces RFC 8291's example (Appendix A) exactly", (t) => {
  const body = encryptPushPayload(
    Buffer.from("When I grow up, I want to be a watermelon"),
    {
      p256dh:
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
      auth: "BTBZMqHH6r4Tts7J_aSIgg",
    },
    4096,
    {
      salt: Buffer.from("DGv6ra1nlYgDCS1FRnbzlw", "base64url"),
      serverPrivateKey: Buffer.from("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw", "base64url"),
    },
  );
  t.is(
    body.toString("base64url"),
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
  );
});

test("encryption round-trips with a browser's keys, uses fresh keys per message, refuses bad keys", (t) => {
  const browser = browserKeys();
  const message = Buffer.from(JSON.stringify({ title: "héllo 🎉" }));
  const one = encryptPushPayload(message, browser.registration);
  const two = encryptPushPayload(message, browser.registration);
  t.deepEqual(browser.decrypt(one), message);
  t.deepEqual(browser.decrypt(two), message);
  t.notDeepEqual(
    one.subarray(0, 86),
    two.subarray(0, 86),
    "salt and server key differ per message",
  );
  t.throws(() => browserKeys().decrypt(one), undefined, "another browser cannot read it");
  const notAPoint = Buffer.alloc(65, 1);
  notAPoint[0] = 4;
  t.throws(
    () =>
      encryptPushPayload(message, {
        p256dh: notAPoint.toString("base64url"),
        auth: browser.registration.auth,
      }),
    { instanceOf: InvalidPushKeysError },
  );
  t.throws(() => encryptPushPayload(Buffer.alloc(4080), browser.registration), {
    instanceOf: RangeError,
  });
});

test("VAPID: an ES256 token for the push service's origin, cached per origin", (t) => {
  const keys = generateVapidKeyPair();
  const point = Buffer.from(keys.publicKey, "base64url");
  t.is(point.length, 65);
  const ecdh = createECDH("prime256v1");
  t.notThrows(() => ecdh.generateKeys() && ecdh.computeSecret(point), "a point on P-256");
  const signer = new VapidSigner(keys, "mailto:ops@example.com");
  const now = Date.now();
  const header = signer.authorization("https://fcm.googleapis.com/fcm/send/abc", now);
  const claims = verifyVapid(header, keys.publicKey, "https://fcm.googleapis.com", now);
  t.is(claims.sub, "mailto:ops@example.com");
  t.is(claims.exp, Math.floor(now / 1000) + 12 * 3600);
  t.is(signer.authorization("https://fcm.googleapis.com/other", now + 1000), header, "cached");
  t.not(
    signer.authorization("https://fcm.googleapis.com/x", now + 11.5 * 3600_000),
    header,
    "renewed before it expires",
  );
  t.throws(() =>
    verifyVapid(header, generateVapidKeyPair().publicKey, "https://fcm.googleapis.com", now),
  );
});

const record: NotificationRecord = {
  ...content,
  id: "9a1f6c0e-3f3a-4a9e-9d55-1f0f6b9a2b11",
  userId: "alice",
  createdAt: 1,
  readAt: null,
};

test("push payloads carry the contract's fields, leave empty ones out and always fit", (t) => {
  const payload = JSON.parse(pushPayload(record).toString()) as Record<string, string>;
  t.deepEqual(payload, {
    id: record.id,
    kind: "NOTIFICATION_KIND_MENTION",
    title: record.title,
    body: "hi",
    link: record.link,
    channelId: "c1",
    messageId: "m1",
  });
  for (const [body, cut] of [
    ["x".repeat(1000), false],
    ["é".repeat(1000), false],
    ["\u0001".repeat(1000), true],
    ["🎉".repeat(1000), true],
  ] as const) {
    const bytes = pushPayload({ ...record, title: "t".repeat(200), body });
    t.true(bytes.length <= MAX_PUSH_PLAINTEXT, `${body[0]}: ${bytes.length}`);
    const parsed = JSON.parse(bytes.toString()) as { title: string; body: string };
    t.is(parsed.title, "t".repeat(200), "the title survives");
    if (cut) {
      t.true(parsed.body.endsWith("…"), "cut, and marked as cut");
      t.true(body.startsWith(parsed.body.slice(0, -1)));
    } else {
      t.is(parsed.body, body, "what fits is sent whole");
    }
  }
  const tight = pushPayload({ ...record, title: "🎉".repeat(200), body: "" }, 300);
  t.true(tight.length <= 300);
  t.true((JSON.parse(tight.toString()) as { title: string }).title.endsWith("…"));
});

test("bus frames carry origin, person and event; anything else is refused", (t) => {
  const origin = new Uint8Array(16).fill(7);
  const event = new Uint8Array([1, 2, 3]);
  const frame = frameUserEvent({ origin, userId: "alice", event });
  const read = unframeUserEvent(frame);
  t.deepEqual(read && { origin: [...read.origin], userId: read.userId, event: [...read.event] }, {
    origin: [...origin],
    userId: "alice",
    event: [1, 2, 3],
  });
  t.is(unframeUserEvent(new Uint8Array([2, ...frame.subarray(1)])), undefined, "unknown version");
  t.is(unframeUserEvent(frame.subarray(0, 10)), undefined, "truncated");
  t.throws(() => frameUserEvent({ origin: new Uint8Array(3), userId: "a", event }));
});

test("a stream sends subscribed first, then what arrived while it was set up; a full queue ends it", async (t) => {
  const logger = new MemoryLogger();
  const stream = new NotificationStream({ id: "s", userId: "u", maxPending: 16, logger });
  const event = (unreadCount: number) => create(NotificationEventSchema, { unreadCount });
  stream.offer(event(5));
  t.false(stream.trySend(event(0)), "no heartbeat before subscribed");
  stream.start(
    create(NotificationEventSchema, { unreadCount: 4, payload: { case: "subscribed", value: {} } }),
  );
  const reader = stream.events();
  t.is((await reader.next()).value?.payload.case, "subscribed");
  t.is((await reader.next()).value?.unreadCount, 5);
  t.is(stream.lastUnreadCount, 5);
  for (let i = 0; i < 17; i++) stream.offer(event(i));
  t.true(stream.closed);
  const err = await t.throwsAsync(async () => {
    for (;;) if ((await reader.next()).done) return;
  });
  t.true(err instanceof DomainError && err.code === Code.Unavailable);
  t.true(logger.lines.some((l) => /too far behind/.test(l.message)));
});

test("the push address guard knows which addresses are not public", (t) => {
  for (const address of [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "::1",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "100.64.0.1",
    "not-an-ip",
  ]) {
    t.true(isNonPublicAddress(address), address);
  }
  for (const address of [
    "142.250.74.106",
    "2a00:1450:4001:82b::200a",
    "8.8.8.8",
    "::ffff:8.8.8.8",
  ]) {
    t.false(isNonPublicAddress(address), address);
  }
});

test("timestamps from clients are clamped to a valid Timestamp's range, never a non-number", (t) => {
  const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  const first = new Date("0001-01-01T00:00:00Z").getTime();
  t.is(fromTimestamp({ seconds: 9_223_372_036_854_775_807n, nanos: 0 } as never), last);
  t.is(fromTimestamp({ seconds: 300_000_000_000n, nanos: 0 } as never), last, "the year 11476");
  t.is(fromTimestamp({ seconds: -9_223_372_036_854_775_807n, nanos: 0 } as never), first);
  t.is(fromTimestamp({ seconds: 1n, nanos: 999_999_999 } as never), 1999);
  // Whatever was clamped encodes as JSON (a Connect JSON answer once failed with internal).
  for (const ms of [last, first]) {
    t.is(typeof toJson(TimestampSchema, timestampFromMs(ms)), "string");
  }
});

/** An outbox that records what the dispatcher did with each delivery. */
class FakeOutbox implements PushOutbox {
  readonly done: string[] = [];
  async claim(): Promise<PushDelivery[]> {
    return [];
  }
  async complete(id: number) {
    this.done.push(`complete ${id}`);
  }
  async retry(id: number, at: number) {
    this.done.push(`retry ${id} at ${at}`);
  }
  async removeSubscription(id: string) {
    this.done.push(`remove ${id}`);
  }
}

test("the dispatcher's answer to each push-service status", async (t) => {
  const clock = new FakeClock(1_000_000);
  const outbox = new FakeOutbox();
  const transport = new RecordingPushTransport();
  const dispatcher = new PushDispatcher({
    outbox,
    transport,
    vapid: new VapidSigner(generateVapidKeyPair(), "mailto:a@b.c"),
    clock,
    logger: new MemoryLogger(),
    ttlSeconds: 3600,
    requestTimeoutMs: 1000,
    pollIntervalMs: 60_000,
    maxAttempts: 3,
  });
  const delivery = (id: number, attempts = 0, read = false): PushDelivery => ({
    id,
    attempts,
    expiresAt: clock.now() + 3_600_000,
    notification: { ...record, readAt: read ? 1 : null },
    subscription: {
      id: `sub${id}`,
      userId: "alice",
      endpoint: "https://push.example/x",
      ...browserKeys().registration,
      userAgent: "",
      createdAt: 0,
      updatedAt: 0,
      expiresAt: null,
    },
  });
  const answer = (status: number, retryAfterSeconds?: number) => {
    transport.answer = () => ({ status, retryAfterSeconds });
  };
  answer(201);
  t.is(await dispatcher.deliver(delivery(1)), "sent");
  answer(410);
  t.is(await dispatcher.deliver(delivery(2)), "gone");
  answer(404);
  t.is(await dispatcher.deliver(delivery(3)), "gone");
  answer(503);
  t.is(await dispatcher.deliver(delivery(4)), "retry");
  answer(429, 600);
  t.is(await dispatcher.deliver(delivery(5)), "retry");
  t.is(await dispatcher.deliver(delivery(6, 2)), "dropped", "the last attempt");
  answer(400);
  t.is(await dispatcher.deliver(delivery(7)), "dropped");
  t.is(await dispatcher.deliver(delivery(8, 0, true)), "skipped", "already read");
  transport.answer = () => {
    throw new Error("ECONNRESET");
  };
  t.is(await dispatcher.deliver(delivery(9)), "retry");
  const retry4 = outbox.done.find((d) => d.startsWith("retry 4 "));
  const at4 = Number(retry4?.split(" at ")[1]);
  t.true(at4 >= clock.now() + 5_000 && at4 <= clock.now() + 10_000, "first backoff 5–10 s");
  const retry5 = outbox.done.find((d) => d.startsWith("retry 5 "));
  t.true(Number(retry5?.split(" at ")[1]) >= clock.now() + 600_000, "Retry-After honoured");
  t.deepEqual(
    outbox.done.filter((d) => !d.startsWith("retry")),
    ["complete 1", "remove sub2", "remove sub3", "complete 6", "complete 7", "complete 8"],
  );
  t.is(transport.requests.length, 8, "the read one was never sent");
  t.is(transport.requests[0]?.headers.ttl, "3600");
});

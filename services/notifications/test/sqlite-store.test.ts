/**
 * The SQLite store on its own: durability across reopen, schema versions, file permissions,
 * retention, the Web Push outbox's leases between two handles on one file (two instances), and
 * what moving a subscription to another person does to its queued deliveries.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import Database from "better-sqlite3";
import { openSqliteNotificationsStore } from "../src/adapters/sqlite-notifications-store.js";
import type { NotificationContent, NotifyWrite } from "../src/ports.js";
import { generateVapidKeyPair } from "../src/push/vapid.js";
import { tempDir } from "./helpers/harness.js";
import { browserKeys } from "./helpers/push-keys.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const content: NotificationContent = {
  kind: "reply",
  title: "bob replied in a thread in #general",
  body: "sounds good",
  channelId: "c1",
  messageId: "m1",
  threadRootId: "r1",
  actorUserId: "bob",
  link: "",
};

function write(key: string, users: string[], now: number, push = false): NotifyWrite {
  return {
    caller: "messaging",
    key,
    content,
    recipients: users.map((userId) => ({ userId, create: true, push })),
    now,
    pushExpiresAt: now + DAY,
  };
}

function open(file: string) {
  return openSqliteNotificationsStore(file, { maxChannelMutes: 10 });
}

test("everything survives closing and reopening the file, which only its owner can read", async (t) => {
  const file = join(tempDir(t), "notifications.db");
  const first = open(file);
  const [created] = await first.inbox.record(write("k1", ["alice"], 1000));
  const vapid = await first.push.getOrCreate(generateVapidKeyPair);
  await first.preferences.update(
    "alice",
    { muteAll: { until: null }, kinds: [], muteChannels: [], unmuteChannelIds: [] },
    1000,
  );
  first.close();
  t.is(statSync(file).mode & 0o777, 0o600);

  const again = open(file);
  t.teardown(() => again.close());
  const listed = await again.inbox.list({
    userId: "alice",
    unreadOnly: false,
    kinds: [],
    after: undefined,
    limit: 10,
  });
  t.deepEqual(listed, [created?.outcome === "created" ? created.notification : undefined]);
  t.deepEqual(await again.push.getOrCreate(generateVapidKeyPair), vapid, "the same VAPID key");
  t.deepEqual((await again.preferences.get("alice", 2000)).muteAll, { until: null });
  const [retry] = await again.inbox.record(write("k1", ["alice"], 3000));
  t.is(retry?.outcome, "duplicate", "keys survive too");
});

test("a database from a newer build is refused", (t) => {
  const file = join(tempDir(t), "notifications.db");
  open(file).close();
  const db = new Database(file);
  db.pragma("user_version = 99");
  db.close();
  t.throws(() => open(file), { message: /newer than this build supports/ });
});

test("retention: old read notifications, every old notification, expired keys, expired mutes", async (t) => {
  const store = open(":memory:");
  t.teardown(() => store.close());
  const now = 100 * DAY;
  const created = async (key: string, at: number) => {
    const [result] = await store.inbox.record(write(key, ["alice"], at));
    if (result?.outcome !== "created") throw new Error("not created");
    return result.notification.id;
  };
  const readLongAgo = await created("a", now - 40 * DAY);
  await store.inbox.markRead("alice", { kind: "ids", ids: [readLongAgo] }, now - 35 * DAY);
  const readRecently = await created("b", now - 40 * DAY);
  await store.inbox.markRead("alice", { kind: "ids", ids: [readRecently] }, now - DAY);
  const ancientUnread = await created("c", now - 91 * DAY);
  const recentUnread = await created("d", now - 5 * DAY);
  await store.preferences.update(
    "alice",
    {
      muteAll: undefined,
      kinds: [],
      muteChannels: [
        { channelId: "c-expired", until: now - 1 },
        { channelId: "c-forever", until: null },
      ],
      unmuteChannelIds: [],
    },
    now - 2 * DAY,
  );

  const pruned = await store.inbox.prune({
    readBefore: now - 30 * DAY,
    allBefore: now - 90 * DAY,
    keysBefore: now - 8 * DAY,
    now,
  });
  t.is(pruned.notifications, 2);
  const left = await store.inbox.list({
    userId: "alice",
    unreadOnly: false,
    kinds: [],
    after: undefined,
    limit: 10,
  });
  t.deepEqual(left.map((n) => n.id).sort(), [readRecently, recentUnread].sort());
  t.false(left.some((n) => n.id === readLongAgo || n.id === ancientUnread));
  t.is(pruned.keys, 3, "keys a, b and c were older than 8 days");
  const [reused] = await store.inbox.record(write("a", ["alice"], now));
  t.is(reused?.outcome, "created", "an expired key is free again");
  const [kept] = await store.inbox.record(write("d", ["alice"], now));
  t.is(kept?.outcome, "duplicate", "a recent key is still remembered");
  t.deepEqual(
    (await store.preferences.get("alice", now)).channelMutes.map((m) => m.channelId),
    ["c-forever"],
  );
});

test("a duplicate of a notification that retention removed answers with no id", async (t) => {
  const store = open(":memory:");
  t.teardown(() => store.close());
  await store.inbox.record(write("k", ["alice"], 0));
  await store.inbox.markRead("alice", { kind: "all" }, 1);
  await store.inbox.prune({ readBefore: 2, allBefore: 0, keysBefore: 0, now: 2 });
  const [again] = await store.inbox.record(write("k", ["alice"], 3));
  t.deepEqual(again, { userId: "alice", outcome: "duplicate", notificationId: "" });
});

test("two handles on one file never lease the same push delivery at once", async (t) => {
  const file = join(tempDir(t), "notifications.db");
  const one = open(file);
  const two = open(file);
  t.teardown(() => {
    one.close();
    two.close();
  });
  for (const endpoint of ["https://push.example/1", "https://push.example/2"]) {
    await one.push.register(
      "alice",
      { endpoint, ...browserKeys().registration, userAgent: "", expiresAt: null },
      0,
      20,
    );
  }
  const [result] = await one.inbox.record(write("k", ["alice"], 1000, true));
  t.is(result?.outcome === "created" ? result.pushQueued : -1, 2, "one delivery per subscription");
  const [a, b] = await Promise.all([
    one.push.claim(1000, 10, 60_000),
    two.push.claim(1000, 10, 60_000),
  ]);
  t.is((a?.length ?? 0) + (b?.length ?? 0), 2, "each delivery leased once");
  t.deepEqual(await two.push.claim(30_000, 10, 60_000), [], "still leased");
  const expired = await two.push.claim(61_001, 10, 60_000);
  t.is(expired.length, 2, "a lease that ran out (the sender died) frees the delivery");
  for (const delivery of expired) await two.push.complete(delivery.id);
  t.deepEqual(await one.push.claim(200_000, 10, 60_000), []);
});

test("moving a subscription to another person drops the deliveries queued for the previous one", async (t) => {
  const store = open(":memory:");
  t.teardown(() => store.close());
  const registration = {
    endpoint: "https://push.example/shared",
    ...browserKeys().registration,
    userAgent: "",
    expiresAt: null,
  };
  const mine = await store.push.register("alice", registration, 0, 20);
  await store.inbox.record(write("k", ["alice"], 10, true));
  const moved = await store.push.register("bob", registration, 20, 20);
  t.is(moved.id, mine.id);
  t.is(moved.userId, "bob");
  t.deepEqual(
    await store.push.claim(100, 10, 60_000),
    [],
    "alice's notification never reaches bob",
  );
  t.deepEqual(await store.push.list("alice"), []);
});

test("expired subscriptions get no deliveries and are pruned", async (t) => {
  const store = open(":memory:");
  t.teardown(() => store.close());
  await store.push.register(
    "alice",
    {
      endpoint: "https://push.example/old",
      ...browserKeys().registration,
      userAgent: "",
      expiresAt: 500,
    },
    0,
    20,
  );
  const [result] = await store.inbox.record(write("k", ["alice"], 1000, true));
  t.is(result?.outcome === "created" ? result.pushQueued : -1, 0);
  const pruned = await store.inbox.prune({ readBefore: 0, allBefore: 0, keysBefore: 0, now: 1000 });
  t.is(pruned.subscriptions, 1);
  t.deepEqual(await store.push.list("alice"), []);
});

import { randomUUID } from "node:crypto";
import { copyFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import Database from "better-sqlite3";
import { waitUntil } from "../../../test/support/redis.js";
import { openSqliteMessagingStore } from "../src/adapters/sqlite-messaging-store.js";
import { MIGRATIONS } from "../src/adapters/sqlite-migrations.js";
import { decodeEvent, encodeChannelEvent } from "../src/event-codec.js";
import { createMessaging, MESSAGING_DATABASE_FILE } from "../src/messaging-module.js";
import {
  createChannel,
  FakeDirectory,
  send,
  startMessaging,
  tempDir,
  testConfig,
} from "./helpers/harness.js";

const options = { encode: encodeChannelEvent, retainEvents: 1000, maxMemberships: 2000 };

function newChannel(owner: string, name = `c-${randomUUID().slice(0, 8)}`) {
  return {
    id: randomUUID(),
    kind: "public" as const,
    name,
    topic: "",
    creatorId: owner,
    memberIds: [],
    epoch: "e1",
    now: 1_000,
  };
}

/** A new top-level message with a fresh id and idempotency key. */
function newMessage(channelId: string, authorId: string, text: string, now: number) {
  return {
    id: randomUUID(),
    channelId,
    authorId,
    text,
    threadRootId: null,
    mentionCandidates: [],
    idempotencyKey: randomUUID(),
    requestHash: "h",
    now,
  };
}

test("the database is WAL, owner-only, migrated, and refuses a newer schema", (t) => {
  const dir = join(tempDir(t), "nested", "messaging");
  const file = join(dir, MESSAGING_DATABASE_FILE);
  openSqliteMessagingStore(file, options).close();
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(statSync(dir).mode & 0o777, 0o700);
  const db = new Database(file);
  t.is(db.pragma("journal_mode", { simple: true }), "wal");
  t.is(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  t.throws(() => openSqliteMessagingStore(file, options), { message: /newer than this build/ });
});

/**
 * How many of `channelId`'s messages the database file holds by itself, without its WAL (what
 * only a checkpoint puts there): read from a copy of that one file. Undefined while the copy
 * cannot be read (no messages table in the file yet, or a copy torn by a checkpoint in progress).
 */
function messagesInDatabaseFile(file: string, channelId: string): number | undefined {
  const copy = `${file}.copy-${randomUUID()}`;
  copyFileSync(file, copy);
  try {
    const db = new Database(copy, { fileMustExist: true });
    try {
      const row = db
        .prepare("SELECT count(*) AS n FROM messages WHERE channel_id = ?")
        .get(channelId) as { n: number };
      return row.n;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${copy}${suffix}`, { force: true });
  }
}

test("WAL checkpoints run on a worker thread and keep copying the WAL into the database file while the store is open", async (t) => {
  const file = join(tempDir(t), MESSAGING_DATABASE_FILE);
  const copied: number[] = [];
  const errors: string[] = [];
  const store = openSqliteMessagingStore(file, {
    ...options,
    checkpointer: {
      intervalMs: 20,
      onCheckpoint: (frames) => copied.push(frames),
      onError: (message) => errors.push(message),
    },
  });
  t.teardown(() => store.close());
  const owner = randomUUID();
  const channel = newChannel(owner);
  t.is((await store.channels.createChannel(channel)).kind, "ok");
  const sendSome = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      const sent = await store.messages.sendMessage(
        newMessage(channel.id, owner, `message ${i} ${"x".repeat(200)}`, 2_000 + i),
      );
      t.is(sent.kind, "ok");
    }
  };
  // Far below the main connection's own threshold (8,000 frames): only the worker copies pages.
  await sendSome(0, 100);
  await waitUntil(() => copied.length > 0, "a first checkpoint by the worker");
  t.true(copied.every((frames) => frames > 0));
  // Written after that checkpoint: only a later one brings them into the database file.
  await sendSome(100, 100);
  await waitUntil(
    () => messagesInDatabaseFile(file, channel.id) === 200,
    "the database file itself holds all 200 messages, with the store still open",
  );
  t.deepEqual(errors, []);
  await store.close();

  // Another connection, opened after the WAL was folded in and removed, reads everything.
  const db = new Database(file, { readonly: true });
  t.teardown(() => db.close());
  const row = db.prepare("SELECT count(*) AS n FROM messages WHERE channel_id = ?").get(channel.id);
  t.deepEqual(row, { n: 200 });
});

test("messages, memberships and the event log survive a restart", async (t) => {
  const dataDir = tempDir(t);
  const first = await startMessaging(t, { config: testConfig({ dataDir }) });
  const person = first.person("alice");
  const channel = await createChannel(first.client, person, "durable");
  await send(first.client, person, channel.id, "kept");
  await first.messaging.close();

  const reopened = await createMessaging(testConfig({ dataDir }), { users: new FakeDirectory() });
  t.teardown(() => reopened.close());
  const joined = await reopened.store.channels.listJoined({
    userId: person.id,
    kinds: [],
    includeArchived: false,
    afterChannelId: undefined,
    limit: 10,
  });
  t.is(joined[0]?.channel.name, "durable");
  const events = await reopened.store.events.readEvents(channel.id, 0, 10);
  t.deepEqual(
    events.map((e) => [e.offset, decodeEvent(e.bytes).payload.case]),
    [
      [1, "membershipChanged"],
      [2, "messageCreated"],
    ],
  );
});

test("two connections to one file allocate seqs and offsets without collisions", async (t) => {
  const file = join(tempDir(t), "shared.db");
  const one = openSqliteMessagingStore(file, options);
  const two = openSqliteMessagingStore(file, options);
  t.teardown(() => {
    one.close();
    two.close();
  });
  const owner = randomUUID();
  const created = await one.channels.createChannel(newChannel(owner));
  if (created.kind !== "ok") throw new Error("not created");
  const channelId = created.value.channel.id;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? one : two).messages.sendMessage({
        ...newMessage(channelId, owner, `m${i}`, 2_000 + i),
        requestHash: `h${i}`,
      }),
    ),
  );
  const seqs = results
    .map((r) => (r.kind === "ok" ? r.value.message.seq : -1))
    .sort((a, b) => a - b);
  t.deepEqual(
    seqs,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const offsets = results
    .flatMap((r) => (r.kind === "ok" ? r.events.map((e) => e.offset) : []))
    .sort((a, b) => a - b);
  t.deepEqual(
    offsets,
    Array.from({ length: 20 }, (_, i) => i + 2),
  );
  const head = (await two.events.heads([channelId])).get(channelId);
  t.deepEqual(head, { epoch: "e1", offset: 21 });
});

test("the event log keeps the newest N events per channel and prunes by age", async (t) => {
  const store = openSqliteMessagingStore(":memory:", { ...options, retainEvents: 3 });
  t.teardown(() => store.close());
  const owner = randomUUID();
  const created = await store.channels.createChannel(newChannel(owner));
  if (created.kind !== "ok") throw new Error("not created");
  const channelId = created.value.channel.id;
  for (let i = 0; i < 5; i++) {
    await store.messages.sendMessage(newMessage(channelId, owner, `m${i}`, 10_000 * (i + 1)));
  }
  const kept = await store.events.readEvents(channelId, 0, 100);
  t.deepEqual(
    kept.map((e) => e.offset),
    [4, 5, 6],
    "trimmed as new events are appended",
  );
  const pruned = await store.events.prune({ eventsBefore: 45_000, keysBefore: 0 });
  t.is(pruned.events, 2);
  t.deepEqual(
    (await store.events.readEvents(channelId, 0, 100)).map((e) => e.offset),
    [6],
  );
});

test("pruning waits for another instance's write lock without blocking the event loop, one batch at a time", async (t) => {
  const file = join(tempDir(t), "shared.db");
  const store = openSqliteMessagingStore(file, { ...options, busyTimeoutMs: 10_000 });
  t.teardown(() => store.close());
  const owner = randomUUID();
  const created = await store.channels.createChannel(newChannel(owner));
  if (created.kind !== "ok") throw new Error("not created");
  const channelId = created.value.channel.id;
  // More old events than one prune batch (500) holds; the log keeps the newest 1,000.
  const old = 1_200;
  await Promise.all(
    Array.from({ length: old }, (_, i) =>
      store.messages.sendMessage(newMessage(channelId, owner, `m${i}`, 2_000)),
    ),
  );

  // Another instance holds the write lock.
  const other = new Database(file);
  t.teardown(() => other.close());
  other.exec("BEGIN IMMEDIATE");
  let prunedAfter: number | undefined;
  const started = Date.now();
  const pruning = store.events.prune({ eventsBefore: 3_000, keysBefore: 0 }).then((result) => {
    prunedAfter = Date.now() - started;
    return result;
  });
  // The event loop still turns while the prune waits: timers fire, and the prune is not done.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  await waitUntil(() => ticks >= 10, "timers fire while the prune waits");
  clearInterval(ticker);
  t.is(prunedAfter, undefined, "the prune waits for the lock");
  other.exec("COMMIT");

  const pruned = await pruning;
  t.is(pruned.events, options.retainEvents, "every event the log kept, over several batches");
  t.deepEqual(await store.events.readEvents(channelId, 0, 10), []);
});

test("a deleted channel keeps only its channel_deleted event, then goes entirely", async (t) => {
  const store = openSqliteMessagingStore(":memory:", options);
  t.teardown(() => store.close());
  const owner = randomUUID();
  const created = await store.channels.createChannel(newChannel(owner, "gone"));
  if (created.kind !== "ok") throw new Error("not created");
  const channelId = created.value.channel.id;
  await store.messages.sendMessage(newMessage(channelId, owner, "secret", 2_000));
  const deleted = await store.channels.deleteChannel(channelId, owner, 3_000);
  t.is(deleted.kind, "ok");
  const log = await store.events.readEvents(channelId, 0, 100);
  t.deepEqual(
    log.map((e) => [e.offset, decodeEvent(e.bytes).payload.case]),
    [[3, "channelDeleted"]],
    "the history is gone; the deletion stays for streams to learn of it",
  );
  t.is(await store.channels.getChannel(channelId), undefined);
  t.deepEqual(await store.channels.channelIdsOf(owner), []);
  const reuse = await store.channels.createChannel(newChannel(owner, "gone"));
  t.is(reuse.kind, "ok", "the name is free at once");
  const pruned = await store.events.prune({ eventsBefore: 4_000, keysBefore: 0 });
  t.is(pruned.channels, 1);
  t.deepEqual(await store.events.heads([channelId]), new Map());
});

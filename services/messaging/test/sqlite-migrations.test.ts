import { join } from "node:path";
import test from "ava";
import Database from "better-sqlite3";
import { openSqliteMessagingStore } from "../src/adapters/sqlite-messaging-store.js";
import { MIGRATIONS, migrate } from "../src/adapters/sqlite-migrations.js";
import { encodeChannelEvent } from "../src/event-codec.js";
import { MESSAGING_DATABASE_FILE } from "../src/messaging-module.js";
import { tempDir } from "./helpers/harness.js";

const options = { encode: encodeChannelEvent, retainEvents: 1000, maxMemberships: 2000 };

const CHANNEL = "0190a000-0000-7000-8000-000000000001";
const ADA = "0190a000-0000-4000-8000-00000000000a";
const BOB = "0190a000-0000-4000-8000-00000000000b";
const ROOT = "0190a000-0000-4000-8000-0000000000f1";
const REPLY = "0190a000-0000-4000-8000-0000000000f2";
const KEY = "0190a000-0000-4000-8000-0000000000c1";

/** A database as version 1 of the schema left it: a channel, a thread, its events and a key. */
function versionOneDatabase(file: string): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec(MIGRATIONS[0] ?? "");
  db.pragma("user_version = 1");
  db.prepare(
    `INSERT INTO channels (id, kind, name, name_key, created_by, created_at, updated_at,
                           member_count, last_seq, epoch, last_offset)
     VALUES (?, 'public', 'general', 'general', ?, 1000, 1000, 2, 2, 'e1', 3)`,
  ).run(CHANNEL, ADA);
  const member = db.prepare(
    `INSERT INTO members (channel_id, user_id, role, joined_at, joined_offset, last_read_seq)
     VALUES (?, ?, ?, 1000, 1, 0)`,
  );
  member.run(CHANNEL, ADA, "owner");
  member.run(CHANNEL, BOB, "member");
  const message = db.prepare(
    `INSERT INTO messages (id, channel_id, seq, author_id, text, thread_root_id, idempotency_key,
                           created_at, reply_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  message.run(ROOT, CHANNEL, 1, ADA, "the root", null, KEY, 2000, 1);
  message.run(REPLY, CHANNEL, 2, BOB, "a reply", ROOT, "", 3000, 0);
  const event = db.prepare(
    `INSERT INTO channel_events (channel_id, event_offset, epoch, event, created_at)
     VALUES (?, ?, 'e1', ?, ?)`,
  );
  for (const offset of [1, 2, 3]) event.run(CHANNEL, offset, Buffer.from(`event ${offset}`), 1000);
  db.prepare(
    `INSERT INTO idempotency_keys (author_id, key, message_id, channel_id, request_hash, created_at)
     VALUES (?, ?, ?, ?, 'hash-of-root', 2000)`,
  ).run(ADA, KEY, ROOT, CHANNEL);
  db.close();
}

test("a version 1 database is migrated with its messages, threads, event log and keys intact", async (t) => {
  const file = join(tempDir(t), MESSAGING_DATABASE_FILE);
  versionOneDatabase(file);
  const store = openSqliteMessagingStore(file, options);
  t.teardown(() => store.close());

  const top = await store.messages.listHistory(CHANNEL, null, { kind: "newest" }, 10);
  t.deepEqual(
    top.messages.map((m) => m.id),
    [ROOT],
  );
  const thread = await store.messages.listHistory(CHANNEL, ROOT, { kind: "newest" }, 10);
  t.deepEqual(
    thread.messages.map((m) => m.id),
    [REPLY],
  );
  const events = await store.events.readEvents(CHANNEL, 0, 10);
  t.deepEqual(
    events.map((e) => [e.offset, Buffer.from(e.bytes).toString()]),
    [
      [1, "event 1"],
      [2, "event 2"],
      [3, "event 3"],
    ],
  );
  t.deepEqual(await store.messages.findIdempotencyKey(ADA, KEY), {
    messageId: ROOT,
    channelId: CHANNEL,
    requestHash: "hash-of-root",
  });

  // The migrated key still answers a retry, and still refuses a different request.
  const retry = await store.messages.sendMessage({
    id: "0190a000-0000-7000-8000-0000000000f3",
    channelId: CHANNEL,
    authorId: ADA,
    text: "the root",
    threadRootId: null,
    mentionCandidates: [],
    idempotencyKey: KEY,
    requestHash: "hash-of-root",
    now: 4000,
  });
  t.like(retry, { kind: "ok", value: { created: false, message: { id: ROOT } } });
  const reused = await store.messages.sendMessage({
    id: "0190a000-0000-7000-8000-0000000000f4",
    channelId: CHANNEL,
    authorId: ADA,
    text: "something else",
    threadRootId: null,
    mentionCandidates: [],
    idempotencyKey: KEY,
    requestHash: "another hash",
    now: 4000,
  });
  t.is(reused.kind, "key_reused");

  // Numbering goes on where version 1 left it.
  const next = await store.messages.sendMessage({
    id: "0190a000-0000-7000-8000-0000000000f5",
    channelId: CHANNEL,
    authorId: BOB,
    text: "after the upgrade",
    threadRootId: null,
    mentionCandidates: [],
    idempotencyKey: "0190a000-0000-4000-8000-0000000000c2",
    requestHash: "h",
    now: 5000,
  });
  t.like(next, { kind: "ok", value: { created: true, message: { seq: 3 } } });
  t.deepEqual(
    (await store.events.readEvents(CHANNEL, 3, 10)).map((e) => e.offset),
    [4],
  );
});

test("the migrated schema keeps event offsets and idempotency keys unique", (t) => {
  const db = new Database(":memory:");
  t.teardown(() => db.close());
  migrate(db);
  t.is(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
  const event = db.prepare(
    `INSERT INTO channel_events (channel_id, event_offset, epoch, event, created_at)
     VALUES (?, 1, 'e1', x'00', 0)`,
  );
  event.run(CHANNEL);
  t.throws(() => event.run(CHANNEL), { any: true, code: "SQLITE_CONSTRAINT_UNIQUE" });
  const key = db.prepare(
    `INSERT INTO idempotency_keys (author_id, key, message_id, channel_id, request_hash, created_at)
     VALUES (?, ?, ?, ?, 'h', 0)`,
  );
  key.run(ADA, KEY, ROOT, CHANNEL);
  t.throws(() => key.run(ADA, KEY, REPLY, CHANNEL), {
    any: true,
    code: "SQLITE_CONSTRAINT_UNIQUE",
  });
});

/** How SQLite plans a statement, in one line. */
function planOf(db: Database.Database, sql: string, ...params: unknown[]): string {
  return db
    .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((row) => row.detail)
    .join("; ");
}

test("history, thread, event and key reads search an index; none scans a table", (t) => {
  const db = new Database(":memory:");
  t.teardown(() => db.close());
  migrate(db);
  const reads = {
    "a top-level page": [
      "SELECT * FROM messages WHERE channel_id = ? AND thread_root_id IS NULL AND ? = '' AND seq < ? ORDER BY seq DESC LIMIT ?",
      /SEARCH messages USING INDEX sqlite_autoindex_messages_2 \(channel_id=\? AND seq<\?\)/,
    ],
    "a thread page": [
      "SELECT * FROM messages WHERE channel_id = ? AND thread_root_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
      /SEARCH messages USING INDEX messages_thread \(channel_id=\? AND thread_root_id=\? AND seq<\?\)/,
    ],
    "a reply count": [
      "SELECT COUNT(*) FROM messages WHERE channel_id = ? AND thread_root_id = ? AND deleted_at IS NULL",
      /SEARCH messages USING INDEX messages_thread \(channel_id=\? AND thread_root_id=\?\)/,
    ],
    "events after an offset": [
      "SELECT * FROM channel_events WHERE channel_id = ? AND event_offset > ? ORDER BY event_offset LIMIT ?",
      /SEARCH channel_events USING INDEX channel_events_offset \(channel_id=\? AND event_offset>\?\)/,
    ],
    "an idempotency key": [
      "SELECT * FROM idempotency_keys WHERE author_id = ? AND key = ?",
      /SEARCH idempotency_keys USING INDEX idempotency_keys_key \(author_id=\? AND key=\?\)/,
    ],
  } as const;
  for (const [what, [sql, expected]] of Object.entries(reads)) {
    const params = Array.from(sql.matchAll(/\?/g), () => "x");
    const plan = planOf(db, sql, ...params);
    t.regex(plan, expected, what);
    t.notRegex(plan, /\bSCAN\b/, what);
  }
});

/**
 * Group commit on a real SQLite file: the writes of one turn share a transaction, each stays
 * atomic on its own, results and events come back in order after the commit, and another
 * connection's write lock is waited for without blocking the event loop.
 */
import { join } from "node:path";
import test from "ava";
import Database from "better-sqlite3";
import { tempDir } from "../../../test/support/fakes.js";
import { GroupCommit } from "../src/adapters/sqlite-group-commit.js";
import type { StoredEvent } from "../src/ports.js";

function open(t: import("ava").ExecutionContext) {
  const file = join(tempDir(t, "parley-group-commit-"), "db.sqlite");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE items (n INTEGER PRIMARY KEY)");
  // Teardowns run last first: the database closes before its directory goes.
  t.teardown(() => db.close());
  return { db, file };
}

const event = (offset: number): StoredEvent => ({
  channelId: "c",
  epoch: "e",
  offset,
  createdAt: 0,
  bytes: new Uint8Array([offset]),
});

test("writes of one turn commit together, in order; one that throws is undone alone", async (t) => {
  const { db } = open(t);
  const committed: number[][] = [];
  const group = new GroupCommit(db, {
    busyTimeoutMs: 1000,
    onCommitted: (events) => committed.push(events.map((e) => e.offset)),
  });
  const insert = db.prepare("INSERT INTO items (n) VALUES (?)");
  const count = () => (db.prepare("SELECT COUNT(*) AS n FROM items").get() as { n: number }).n;
  const writes = [1, 2, 3, 4].map((n) =>
    group.run(() => {
      insert.run(n);
      if (n === 3) {
        insert.run(n * 100);
        throw new Error("write 3 fails after two inserts");
      }
      return { value: `wrote ${n}`, events: [event(n)] };
    }),
  );
  t.is(count(), 0, "nothing runs before the turn ends");
  const results = await Promise.allSettled(writes);
  t.deepEqual(
    results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message)),
    ["wrote 1", "wrote 2", "write 3 fails after two inserts", "wrote 4"],
  );
  t.deepEqual(committed, [[1, 2, 4]], "one commit, the events of the writes that succeeded");
  t.deepEqual(
    db.prepare("SELECT n FROM items ORDER BY n").all(),
    [{ n: 1 }, { n: 2 }, { n: 4 }],
    "the failed write left nothing behind",
  );
  t.false(db.inTransaction);
});

test("a write alone in its turn that throws leaves nothing behind, and the next one commits", async (t) => {
  const { db } = open(t);
  const committed: number[][] = [];
  const group = new GroupCommit(db, {
    busyTimeoutMs: 1000,
    onCommitted: (events) => committed.push(events.map((e) => e.offset)),
  });
  const insert = db.prepare("INSERT INTO items (n) VALUES (?)");
  const failed = await group
    .run(() => {
      insert.run(7);
      throw new Error("fails after its insert");
    })
    .then(
      () => "committed",
      (err: Error) => err.message,
    );
  t.is(failed, "fails after its insert");
  t.false(db.inTransaction);
  const next = await group.run(() => {
    insert.run(8);
    return { value: "ok", events: [event(8)] };
  });
  t.is(next, "ok");
  t.deepEqual(db.prepare("SELECT n FROM items").all(), [{ n: 8 }]);
  t.deepEqual(committed, [[8]]);
});

test("a write sees the writes queued before it (same transaction, in order)", async (t) => {
  const { db } = open(t);
  const group = new GroupCommit(db, { busyTimeoutMs: 1000, onCommitted: () => {} });
  const next = () => {
    const row = db.prepare("SELECT COALESCE(MAX(n), 0) + 1 AS n FROM items").get() as {
      n: number;
    };
    db.prepare("INSERT INTO items (n) VALUES (?)").run(row.n);
    return { value: row.n, events: [] };
  };
  const numbers = await Promise.all(Array.from({ length: 10 }, () => group.run(next)));
  t.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("another connection's write lock is waited for without blocking the event loop", async (t) => {
  const { db, file } = open(t);
  const other = new Database(file);
  t.teardown(() => other.close());
  const group = new GroupCommit(db, { busyTimeoutMs: 5000, onCommitted: () => {} });
  other.exec("BEGIN IMMEDIATE");
  other.prepare("INSERT INTO items (n) VALUES (1)").run();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const write = group.run(() => {
    const row = db.prepare("SELECT COUNT(*) AS n FROM items").get() as { n: number };
    db.prepare("INSERT INTO items (n) VALUES (2)").run();
    return { value: row.n, events: [] };
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const ticksWhileLocked = ticks;
  other.exec("COMMIT");
  const seen = await write;
  clearInterval(timer);
  t.true(ticksWhileLocked >= 5, `timers kept firing while the lock was held (${ticksWhileLocked})`);
  t.is(seen, 1, "the write ran after the other connection's commit, and saw it");
  t.is(
    (db.prepare("PRAGMA busy_timeout").get() as { timeout: number }).timeout,
    5000,
    "reads keep the connection's busy timeout",
  );
});

test("a lock held past the busy timeout fails the waiting writes with SQLITE_BUSY", async (t) => {
  const { db, file } = open(t);
  const other = new Database(file);
  t.teardown(() => other.close());
  const group = new GroupCommit(db, { busyTimeoutMs: 150, onCommitted: () => {} });
  other.exec("BEGIN IMMEDIATE");
  const err = await group
    .run(() => ({ value: 1, events: [] }))
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  t.is((err as { code?: string } | undefined)?.code, "SQLITE_BUSY");
  other.exec("ROLLBACK");
  t.is(await group.run(() => ({ value: 2, events: [] })), 2, "later writes go through");
});

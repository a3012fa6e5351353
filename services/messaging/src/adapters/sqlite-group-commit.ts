import type Database from "better-sqlite3";
import type { StoredEvent } from "../ports.js";

/** What one write did: its result, and the durable events it appended. */
export interface WriteOutcome<T> {
  readonly value: T;
  readonly events: readonly StoredEvent[];
}

export interface GroupCommitOptions {
  /**
   * How long a batch may wait for another connection's (instance's) write lock, in total, before
   * its writes fail with SQLITE_BUSY. Waiting never blocks the event loop.
   */
  readonly busyTimeoutMs: number;
  /**
   * Told about the events of every committed batch, synchronously, in commit order. Must not
   * throw (the writes it announces are settled all the same).
   */
  readonly onCommitted: (events: readonly StoredEvent[]) => void;
}

interface Pending {
  readonly work: () => WriteOutcome<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The first waits between attempts at the write lock; then {@link MAX_BACKOFF_MS}. */
const BACKOFF_MS = [0, 1, 1, 2, 3, 5, 8];
const MAX_BACKOFF_MS = 10;
/** Most writes in one transaction. */
const MAX_BATCH = 64;

/**
 * Group commit for one SQLite connection: the writes requested during one turn of the event loop
 * run together, each in its own savepoint, inside one `BEGIN IMMEDIATE` transaction, and all
 * resolve once it has committed.
 *
 * Why: a commit, not a statement, is what costs most here (the WAL frames of every page the
 * transaction touched, the WAL locks, now and then a checkpoint), and the writes of a busy
 * instance touch the same pages (the channel's row, the end of its event log). One commit for
 * ten messages writes those pages once.
 *
 * What does not change: each write is atomic and isolated as before (a write that throws rolls
 * back to its savepoint; the others still commit); none resolves before the transaction holding
 * it is durable; writes run, commit and are announced in the order they were requested; the
 * write lock is taken first, so numbers read inside a write cannot be handed out twice, whichever
 * instance writes.
 *
 * Several instances share the file: when another holds the write lock, the batch waits for it
 * asynchronously (short growing pauses, up to `busyTimeoutMs` in all; later writes join the
 * batch meanwhile), instead of SQLite's busy handler sleeping on the event loop.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #options: GroupCommitOptions;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  readonly #savepoint: Database.Statement;
  readonly #release: Database.Statement;
  readonly #rollbackTo: Database.Statement;
  readonly #busyWait: string;
  #queue: Pending[] = [];
  #scheduled = false;
  /** When the batch now waiting for the lock first tried (undefined when none waits). */
  #waitingSince: number | undefined;
  #attempt = 0;

  constructor(db: Database.Database, options: GroupCommitOptions) {
    this.#db = db;
    this.#options = options;
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#savepoint = db.prepare("SAVEPOINT parley_write");
    this.#release = db.prepare("RELEASE parley_write");
    this.#rollbackTo = db.prepare("ROLLBACK TO parley_write");
    // The connection keeps its busy timeout for everything else (reads, housekeeping); only a
    // batch's BEGIN is tried without one. (SQLite applies this pragma when it is compiled, so it
    // is run with exec() each time, never as a prepared statement.)
    this.#busyWait = `PRAGMA busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs))}`;
  }

  /** Queues a write; resolves with its value once the batch holding it committed. */
  run<T>(work: () => WriteOutcome<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule(0);
    });
  }

  #schedule(delayMs: number): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const go = () => {
      this.#scheduled = false;
      this.#flush();
    };
    if (delayMs === 0) setImmediate(go);
    else setTimeout(go, delayMs);
  }

  #flush(): void {
    if (this.#queue.length === 0 || !this.#db.open) {
      this.#failAll(new Error("the database is closed"));
      return;
    }
    if (!this.#lock()) return;
    const batch = this.#queue.splice(0, MAX_BATCH);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const events: StoredEvent[] = [];
    // A write alone in its transaction needs no savepoint: if it throws, the rollback undoes it.
    const alone = batch.length === 1;
    try {
      for (const pending of batch) {
        if (alone) {
          const outcome = pending.work();
          outcomes.push({ ok: true, value: outcome.value });
          events.push(...outcome.events);
          continue;
        }
        // A savepoint per write: one that throws is undone alone.
        this.#savepoint.run();
        try {
          const outcome = pending.work();
          this.#release.run();
          outcomes.push({ ok: true, value: outcome.value });
          events.push(...outcome.events);
        } catch (error) {
          this.#rollbackTo.run();
          this.#release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.#commit.run();
    } catch (error) {
      try {
        if (this.#db.inTransaction) this.#rollback.run();
      } finally {
        for (const pending of batch) pending.reject(error);
        this.#next();
      }
      return;
    }
    // Committed: the writes settle whatever the listener does (it runs on a timer callback, where
    // a throw would otherwise leave them hanging).
    try {
      if (events.length > 0) this.#options.onCommitted(events);
    } finally {
      for (const [i, pending] of batch.entries()) {
        const outcome = outcomes[i];
        if (outcome?.ok) pending.resolve(outcome.value);
        else pending.reject(outcome?.error);
      }
      this.#next();
    }
  }

  /** Takes the write lock, or schedules another try (or fails the queue past the timeout). */
  #lock(): boolean {
    this.#db.exec("PRAGMA busy_timeout = 0");
    try {
      this.#begin.run();
      this.#waitingSince = undefined;
      this.#attempt = 0;
      return true;
    } catch (error) {
      if (!isBusy(error)) {
        this.#failAll(error);
        return false;
      }
      const now = Date.now();
      this.#waitingSince ??= now;
      if (now - this.#waitingSince >= this.#options.busyTimeoutMs) {
        this.#failAll(error);
        return false;
      }
      this.#schedule(BACKOFF_MS[this.#attempt++] ?? MAX_BACKOFF_MS);
      return false;
    } finally {
      this.#db.exec(this.#busyWait);
    }
  }

  #next(): void {
    if (this.#queue.length > 0) this.#schedule(0);
  }

  #failAll(error: unknown): void {
    // The next batch starts its own wait for the lock.
    this.#waitingSince = undefined;
    this.#attempt = 0;
    const queue = this.#queue;
    this.#queue = [];
    for (const pending of queue) pending.reject(error);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT).
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

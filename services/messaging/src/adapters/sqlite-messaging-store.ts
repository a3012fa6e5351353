import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { CommitListener, EventEncoder } from "../ports.js";
import { SqliteChannelStore } from "./sqlite-channel-store.js";
import { type CheckpointerOptions, WalCheckpointer } from "./sqlite-checkpointer.js";
import { SqliteShared } from "./sqlite-common.js";
import { SqliteEventLog } from "./sqlite-event-log.js";
import { SqliteMessageStore } from "./sqlite-message-store.js";
import { migrate } from "./sqlite-migrations.js";
import { SqliteNotificationOutbox } from "./sqlite-notification-outbox.js";

/** Messaging's one SQLite database, exposed as the store ports it implements. */
export interface SqliteMessagingStore {
  readonly channels: SqliteChannelStore;
  readonly messages: SqliteMessageStore;
  /** The event log and retention pruning. */
  readonly events: SqliteEventLog;
  /** Notifications the writes owe, until the relay has sent them. */
  readonly outbox: SqliteNotificationOutbox;
  /**
   * Closes the database (at once; the stores must not be used afterwards) and resolves once the
   * checkpointing worker, if any, has closed its connection too. Idempotent.
   */
  close(): Promise<void>;
}

export interface SqliteMessagingStoreOptions {
  /** Serializes durable events (see {@link EventEncoder}). */
  readonly encode: EventEncoder;
  /** Durable events kept per channel; older ones are trimmed as new ones are appended. */
  readonly retainEvents: number;
  /** Channel memberships one user may have. */
  readonly maxMemberships: number;
  /**
   * Told, synchronously and in commit order, about the durable events each write committed
   * (messaging publishes them from here). Must not throw.
   */
  readonly onCommitted?: CommitListener;
  /** Told after a write that recorded owed notifications committed (the relay sends them). */
  readonly onOwed?: () => void;
  /**
   * How long a write waits for another instance's write lock before failing (default 5 s; the
   * wait never blocks the event loop), and reads for a lock in the rare cases WAL needs one.
   */
  readonly busyTimeoutMs?: number;
  /** How the WAL checkpoints of a file database run on a worker thread ({@link WalCheckpointer}). */
  readonly checkpointer?: CheckpointerOptions;
}

/**
 * Opens (creating and migrating as needed) messaging's database at `file`, or a throwaway
 * in-memory one for `":memory:"`.
 *
 * WAL lets readers proceed while a write commits and lets several messaging instances on one host
 * share the file; `synchronous = NORMAL` is durable across process crashes in WAL mode; writes
 * wait for another instance's write transaction asynchronously (group commit), reads with the busy
 * timeout; temporary files (statement journals) stay in memory.
 * Every write runs inside a `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so a
 * number read inside it cannot be handed out twice), and nothing is cached between calls, so
 * instances always see each other's changes.
 */
export function openSqliteMessagingStore(
  file: string,
  options: SqliteMessagingStoreOptions,
): SqliteMessagingStore {
  const inMemory = file === ":memory:";
  if (!inMemory) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  try {
    if (!inMemory) chmodSync(file, 0o600);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("temp_store = MEMORY");
    // Checkpoints run on a worker thread (below). Should it stop, this connection checkpoints
    // every ~32 MB of WAL rather than SQLite's 4 MB: the hot pages (a channel's row, the right
    // edges of the indexes) are rewritten by every message, so a checkpoint copies each once
    // however many commits it covers, and its fsync comes 8x less often
    // (bench/fanout/store-cost.ts --processes=2: 15-25% less CPU per message written).
    db.pragma("wal_autocheckpoint = 8000");
    // Unicode-aware lower case for searches (SQLite's lower() only folds ASCII).
    db.function("casefold", { deterministic: true }, (value: unknown) =>
      typeof value === "string" ? value.toLowerCase() : value,
    );
    migrate(db);
    const shared = new SqliteShared(
      db,
      options.encode,
      options.retainEvents,
      options.onCommitted ?? (() => {}),
      busyTimeoutMs,
      options.onOwed ?? (() => {}),
    );
    const checkpointer = inMemory ? undefined : new WalCheckpointer(file, options.checkpointer);
    return {
      channels: new SqliteChannelStore(shared, options.maxMemberships),
      messages: new SqliteMessageStore(shared),
      events: new SqliteEventLog(shared),
      outbox: new SqliteNotificationOutbox(shared),
      close: async () => {
        if (db.open) db.close();
        await checkpointer?.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

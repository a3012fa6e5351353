import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SqliteInboxStore } from "./sqlite-inbox-store.js";
import { migrate } from "./sqlite-migrations.js";
import { SqlitePreferenceStore } from "./sqlite-preference-store.js";
import { SqlitePushStore } from "./sqlite-push-store.js";

/** The notifications service's one SQLite database, exposed as the store ports it implements. */
export interface SqliteNotificationsStore {
  readonly inbox: SqliteInboxStore;
  readonly preferences: SqlitePreferenceStore;
  /** Push subscriptions, the Web Push outbox and the VAPID key. */
  readonly push: SqlitePushStore;
  /** Closes the database; the stores must not be used afterwards. Idempotent. */
  close(): void;
}

export interface SqliteNotificationsStoreOptions {
  /** Channel mutes one person may hold. */
  readonly maxChannelMutes: number;
  /** How long a writer waits for another instance's write lock before failing (default 5 s). */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating and migrating as needed) the notifications database at `file`, or a throwaway
 * in-memory one for `":memory:"`.
 *
 * WAL lets readers proceed while a write commits and lets several instances on one host share
 * the file; `synchronous = NORMAL` is durable across process crashes in WAL mode; the busy
 * timeout makes a writer wait for another instance's short transaction instead of failing;
 * foreign keys make removing a notification or a subscription take its queued pushes along.
 * The file is owner-only: it holds the VAPID private key and people's push endpoints.
 */
export function openSqliteNotificationsStore(
  file: string,
  options: SqliteNotificationsStoreOptions,
): SqliteNotificationsStore {
  const inMemory = file === ":memory:";
  if (!inMemory) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  try {
    if (!inMemory) chmodSync(file, 0o600);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db);
    return {
      inbox: new SqliteInboxStore(db),
      preferences: new SqlitePreferenceStore(db, options.maxChannelMutes),
      push: new SqlitePushStore(db),
      close: () => {
        if (db.open) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

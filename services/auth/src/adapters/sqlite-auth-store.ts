import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SqliteDeniedTokenStore } from "./sqlite-denied-token-store.js";
import { migrate } from "./sqlite-migrations.js";
import { SqliteRefreshTokenStore } from "./sqlite-refresh-token-store.js";
import { SqliteResetTokenStore } from "./sqlite-reset-token-store.js";
import { SqliteSigningKeyStore } from "./sqlite-signing-key-store.js";
import { SqliteUserStore } from "./sqlite-user-store.js";

/** Auth's one SQLite database, exposed as the store ports it implements. */
export interface SqliteAuthStore {
  readonly users: SqliteUserStore;
  readonly refreshTokens: SqliteRefreshTokenStore;
  readonly signingKeys: SqliteSigningKeyStore;
  readonly deniedTokens: SqliteDeniedTokenStore;
  readonly resetTokens: SqliteResetTokenStore;
  /** Closes the database; the stores must not be used afterwards. */
  close(): void;
}

/**
 * Opens (creating and migrating as needed) auth's database at `file`, or a throwaway in-memory
 * one for `":memory:"`.
 *
 * WAL lets readers proceed while a write commits; `synchronous = NORMAL` is durable across
 * process crashes in WAL mode; the busy timeout lets a second process (a CLI, a backup) wait
 * instead of failing. The directory and file are owner-only because the file holds password
 * hashes and private signing keys.
 */
export function openSqliteAuthStore(file: string): SqliteAuthStore {
  const inMemory = file === ":memory:";
  if (!inMemory) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  try {
    if (!inMemory) chmodSync(file, 0o600);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db);
    return {
      users: new SqliteUserStore(db),
      refreshTokens: new SqliteRefreshTokenStore(db),
      signingKeys: new SqliteSigningKeyStore(db),
      deniedTokens: new SqliteDeniedTokenStore(db),
      resetTokens: new SqliteResetTokenStore(db),
      close: () => {
        if (db.open) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

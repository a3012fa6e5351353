import type Database from "better-sqlite3";
import type { DeniedTokenStore } from "../ports.js";

/** {@link DeniedTokenStore} on auth's SQLite database: one row per logged-out access token. */
export class SqliteDeniedTokenStore implements DeniedTokenStore {
  private readonly upsert;
  private readonly lookup;
  private readonly deleteExpired;

  constructor(db: Database.Database) {
    this.upsert = db.prepare<[string, number]>(
      `INSERT INTO denied_tokens (jti, expires_at) VALUES (?, ?)
       ON CONFLICT (jti) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    );
    this.lookup = db.prepare<[string, number], { found: number }>(
      "SELECT 1 AS found FROM denied_tokens WHERE jti = ? AND expires_at > ?",
    );
    this.deleteExpired = db.prepare<[number]>("DELETE FROM denied_tokens WHERE expires_at <= ?");
  }

  async deny(tokenId: string, until: number): Promise<void> {
    this.upsert.run(tokenId, until);
  }

  async isDenied(tokenId: string, now: number): Promise<boolean> {
    return this.lookup.get(tokenId, now) !== undefined;
  }

  async pruneExpired(now: number): Promise<number> {
    return this.deleteExpired.run(now).changes;
  }
}

import type Database from "better-sqlite3";
import type { ResetTokenStore } from "../ports.js";

/** {@link ResetTokenStore} on auth's SQLite database; tokens are stored as SHA-256 hashes. */
export class SqliteResetTokenStore implements ResetTokenStore {
  private readonly insert;
  private readonly live;
  private readonly use;
  private readonly useAllOfUser;
  private readonly deleteExpired;

  constructor(db: Database.Database) {
    this.insert = db.prepare<[string, string, number, number]>(
      `INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at)
       VALUES (?, ?, ?, ?)`,
    );
    this.live = db.prepare<[string, number], { user_id: string }>(
      `SELECT user_id FROM password_reset_tokens
       WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
    );
    // A single conditional UPDATE is atomic on its own: only one caller can flip used_at.
    this.use = db.prepare<[number, string, number], { user_id: string }>(
      `UPDATE password_reset_tokens SET used_at = ?
       WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
       RETURNING user_id`,
    );
    this.useAllOfUser = db.prepare<[number, string]>(
      "UPDATE password_reset_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL",
    );
    this.deleteExpired = db.prepare<[number]>(
      "DELETE FROM password_reset_tokens WHERE expires_at <= ?",
    );
  }

  async create(token: {
    tokenHash: string;
    userId: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    this.insert.run(token.tokenHash, token.userId, token.createdAt, token.expiresAt);
  }

  async peek(tokenHash: string, now: number): Promise<string | undefined> {
    return this.live.get(tokenHash, now)?.user_id;
  }

  async consume(tokenHash: string, now: number): Promise<string | undefined> {
    return this.use.get(now, tokenHash, now)?.user_id;
  }

  async invalidateAllForUser(userId: string, now: number): Promise<void> {
    this.useAllOfUser.run(now, userId);
  }

  async pruneExpired(now: number): Promise<number> {
    return this.deleteExpired.run(now).changes;
  }
}

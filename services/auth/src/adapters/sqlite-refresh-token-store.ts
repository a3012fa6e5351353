import type Database from "better-sqlite3";
import type { RefreshTokenRecord, RefreshTokenStore, RotateOutcome } from "../ports.js";

interface PresentedRow {
  family_id: string;
  user_id: string;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

/**
 * {@link RefreshTokenStore} on auth's SQLite database. Families carry the owner and the revocation;
 * tokens carry expiry and single use. Rotation runs in one `BEGIN IMMEDIATE` transaction, so even
 * two processes sharing the file cannot both rotate the same token.
 */
export class SqliteRefreshTokenStore implements RefreshTokenStore {
  private readonly insertFamily;
  private readonly insertToken;
  private readonly presented;
  private readonly markUsed;
  private readonly revokeFamily;
  private readonly revokeUserFamilies;
  private readonly deleteExpiredTokens;
  private readonly deleteEmptyFamilies;
  private readonly startTx;
  private readonly rotateTx;
  private readonly revokeOfTx;
  private readonly pruneTx;

  constructor(db: Database.Database) {
    this.insertFamily = db.prepare<[string, string, number]>(
      "INSERT INTO refresh_families (id, user_id, created_at) VALUES (?, ?, ?)",
    );
    this.insertToken = db.prepare<[string, string, number, number]>(
      `INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at)
       VALUES (?, ?, ?, ?)`,
    );
    this.presented = db.prepare<[string], PresentedRow>(
      `SELECT t.family_id, f.user_id, t.expires_at, t.used_at, f.revoked_at
       FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id
       WHERE t.token_hash = ?`,
    );
    this.markUsed = db.prepare<[number, string, string]>(
      `UPDATE refresh_tokens SET used_at = ?, replaced_by = ?
       WHERE token_hash = ? AND used_at IS NULL`,
    );
    this.revokeFamily = db.prepare<[number, string]>(
      "UPDATE refresh_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
    );
    this.revokeUserFamilies = db.prepare<[number, string]>(
      "UPDATE refresh_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
    );
    this.deleteExpiredTokens = db.prepare<[number]>(
      "DELETE FROM refresh_tokens WHERE expires_at <= ?",
    );
    this.deleteEmptyFamilies = db.prepare(
      `DELETE FROM refresh_families
       WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = refresh_families.id)`,
    );

    this.startTx = db.transaction((first: RefreshTokenRecord) => {
      this.insertFamily.run(first.familyId, first.userId, first.createdAt);
      this.insertToken.run(first.tokenHash, first.familyId, first.createdAt, first.expiresAt);
    });
    this.rotateTx = db.transaction(
      (
        presentedHash: string,
        next: { tokenHash: string; createdAt: number; expiresAt: number },
        now: number,
      ): RotateOutcome => {
        const row = this.presented.get(presentedHash);
        if (!row) return { kind: "unknown" };
        if (row.revoked_at !== null) return { kind: "revoked" };
        if (row.used_at !== null) {
          // Replay of a rotated token: someone else holds the family. End every session in it.
          this.revokeFamily.run(now, row.family_id);
          return { kind: "reused", userId: row.user_id, familyId: row.family_id };
        }
        if (row.expires_at <= now) return { kind: "expired" };
        if (this.markUsed.run(now, next.tokenHash, presentedHash).changes !== 1) {
          return { kind: "unknown" };
        }
        this.insertToken.run(next.tokenHash, row.family_id, next.createdAt, next.expiresAt);
        return { kind: "rotated", userId: row.user_id, familyId: row.family_id };
      },
    );
    this.revokeOfTx = db.transaction((tokenHash: string, now: number) => {
      const row = this.presented.get(tokenHash);
      if (!row) return undefined;
      this.revokeFamily.run(now, row.family_id);
      return { userId: row.user_id, familyId: row.family_id };
    });
    this.pruneTx = db.transaction((now: number) => {
      const removed = this.deleteExpiredTokens.run(now).changes;
      this.deleteEmptyFamilies.run();
      return removed;
    });
  }

  async startFamily(first: RefreshTokenRecord): Promise<void> {
    this.startTx.immediate(first);
  }

  async rotate(
    presentedHash: string,
    next: { tokenHash: string; createdAt: number; expiresAt: number },
    now: number,
  ): Promise<RotateOutcome> {
    return this.rotateTx.immediate(presentedHash, next, now);
  }

  async revokeFamilyOf(
    tokenHash: string,
    now: number,
  ): Promise<{ userId: string; familyId: string } | undefined> {
    return this.revokeOfTx.immediate(tokenHash, now);
  }

  async revokeAllForUser(userId: string, now: number): Promise<number> {
    return this.revokeUserFamilies.run(now, userId).changes;
  }

  async pruneExpired(now: number): Promise<number> {
    return this.pruneTx.immediate(now);
  }
}

import type Database from "better-sqlite3";
import type { SigningKeyRecord, SigningKeyStore } from "../ports.js";

interface KeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

/**
 * {@link SigningKeyStore} on auth's SQLite database. Private keys live in the same file as the
 * accounts, which is why auth's data directory is created owner-only.
 */
export class SqliteSigningKeyStore implements SigningKeyStore {
  private readonly all;
  private readonly insert;
  private readonly retireCurrent;
  private readonly retiredBefore;
  private readonly deleteRetiredBefore;
  private readonly activateTx;
  private readonly pruneTx;

  constructor(db: Database.Database) {
    this.all = db.prepare<[], KeyRow>(
      `SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM signing_keys
       ORDER BY created_at, kid`,
    );
    this.insert = db.prepare<[string, string, string, number, number | null]>(
      `INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at, retired_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.retireCurrent = db.prepare<[number]>(
      "UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL",
    );
    this.retiredBefore = db.prepare<[number], { kid: string }>(
      "SELECT kid FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at <= ?",
    );
    this.deleteRetiredBefore = db.prepare<[number]>(
      "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at <= ?",
    );
    this.activateTx = db.transaction((key: SigningKeyRecord, now: number) => {
      this.retireCurrent.run(now);
      this.insert.run(
        key.kid,
        JSON.stringify(key.privateJwk),
        JSON.stringify(key.publicJwk),
        key.createdAt,
        null,
      );
    });
    this.pruneTx = db.transaction((cutoff: number) => {
      const kids = this.retiredBefore.all(cutoff).map((row) => row.kid);
      this.deleteRetiredBefore.run(cutoff);
      return kids;
    });
  }

  async list(): Promise<SigningKeyRecord[]> {
    return this.all.all().map((row) => ({
      kid: row.kid,
      privateJwk: JSON.parse(row.private_jwk) as Record<string, unknown>,
      publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
      createdAt: row.created_at,
      retiredAt: row.retired_at,
    }));
  }

  async activate(key: SigningKeyRecord, now: number): Promise<void> {
    this.activateTx.immediate(key, now);
  }

  async pruneRetiredBefore(cutoff: number): Promise<string[]> {
    return this.pruneTx.immediate(cutoff);
  }
}

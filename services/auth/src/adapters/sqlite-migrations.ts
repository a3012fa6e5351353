import type Database from "better-sqlite3";

/**
 * Auth's schema, one entry per version, applied in order and recorded in `PRAGMA user_version`.
 * Append new entries; never edit a released one (databases in the field have already run it).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: accounts, refresh token families, signing keys, denylist, reset tokens.
  `
  CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL,
    email          TEXT NOT NULL,
    -- Lower-cased email (JavaScript's Unicode-aware lower case): uniqueness regardless of case.
    email_key      TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    avatar_file_id TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX users_username_nocase ON users (username COLLATE NOCASE);
  CREATE UNIQUE INDEX users_email_key ON users (email_key);
  CREATE INDEX users_created ON users (created_at, id);
  CREATE INDEX users_role ON users (role);

  CREATE TABLE refresh_families (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) STRICT;
  CREATE INDEX refresh_families_user ON refresh_families (user_id);

  CREATE TABLE refresh_tokens (
    -- Hex SHA-256 of the token; the token itself is never stored.
    token_hash  TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    replaced_by TEXT
  ) STRICT;
  CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
  CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

  CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    private_jwk TEXT NOT NULL,
    public_jwk  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
  ) STRICT;

  CREATE TABLE denied_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX denied_tokens_expiry ON denied_tokens (expires_at);

  CREATE TABLE password_reset_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
  ) STRICT;
  CREATE INDEX password_reset_tokens_user ON password_reset_tokens (user_id);
  CREATE INDEX password_reset_tokens_expiry ON password_reset_tokens (expires_at);
  `,
];

/**
 * Brings the database to the latest schema in one transaction, and refuses a database written by
 * a newer build (running old code on a newer schema could silently corrupt it).
 */
export function migrate(db: Database.Database): void {
  const current = db.pragma("user_version", { simple: true });
  if (typeof current !== "number" || !Number.isInteger(current) || current < 0) {
    throw new Error(`auth database has an unreadable schema version (${String(current)})`);
  }
  if (current > MIGRATIONS.length) {
    throw new Error(
      `auth database schema version ${current} is newer than this build supports (${MIGRATIONS.length}); upgrade the auth service`,
    );
  }
  if (current === MIGRATIONS.length) return;
  db.transaction(() => {
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

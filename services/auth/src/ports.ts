export type { Clock, StructuredLogger as Logger } from "@parley/mesh";

/**
 * The narrow interfaces auth's use cases depend on. Adapters (SQLite today, MongoDB next) implement
 * them; tests swap in fakes. Times are milliseconds since the epoch throughout, read from
 * {@link Clock}, so tests can move time without waiting.
 */
import type { UserRole } from "@parley/mesh";

export type { RateDecision, RateLimiter, UserRole } from "@parley/mesh";

/** An account as the service works with it. Carries no secret, so it is safe to map and log. */
export interface UserRecord {
  readonly id: string;
  /** Lower-case; unique regardless of case. */
  readonly username: string;
  /** As typed at registration; unique regardless of case. */
  readonly email: string;
  readonly displayName: string;
  /** files service id, or "" when none. */
  readonly avatarFileId: string;
  readonly role: UserRole;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What Register hands to the store. */
export interface NewUser {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly role: UserRole;
  /**
   * Make the account admin if no other account exists at insert time. Decided by the store,
   * inside its own transaction, so two simultaneous first registrations cannot both win.
   */
  readonly promoteIfFirst: boolean;
  readonly createdAt: number;
}

export type CreateUserResult =
  | { readonly ok: true; readonly user: UserRecord }
  | { readonly ok: false; readonly conflict: "username" | "email" };

export type SetRoleResult =
  | { readonly kind: "updated"; readonly user: UserRecord }
  | { readonly kind: "not_found" }
  /** Refused: it would leave no admin. */
  | { readonly kind: "last_admin" };

/** Position in the oldest-first listing of accounts (keyset pagination). */
export interface UserCursor {
  readonly createdAt: number;
  readonly id: string;
}

export interface ProfilePatch {
  readonly displayName?: string;
  readonly avatarFileId?: string;
}

/** Accounts and their credentials. */
export interface UserStore {
  create(user: NewUser): Promise<CreateUserResult>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** By email, regardless of case. */
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /**
   * The account a sign-in names (username or email, regardless of case) with its password hash.
   * The only read that returns a hash, so hashes cannot leak through ordinary lookups.
   */
  findCredentials(
    login: string,
  ): Promise<{ readonly user: UserRecord; readonly passwordHash: string } | undefined>;
  /** The accounts among `ids` that exist, in no particular order. */
  findManyByIds(ids: readonly string[]): Promise<UserRecord[]>;
  /** The accounts among `usernames` (lower-case) that exist, in no particular order. */
  findManyByUsernames(usernames: readonly string[]): Promise<UserRecord[]>;
  /** Applies the fields present in `patch`; undefined when the account does not exist. */
  updateProfile(id: string, patch: ProfilePatch, now: number): Promise<UserRecord | undefined>;
  /** Replaces the password hash; false when the account does not exist. */
  setPasswordHash(id: string, passwordHash: string, now: number): Promise<boolean>;
  /** Changes the role, atomically refusing to demote the last admin. */
  setRole(id: string, role: UserRole, now: number): Promise<SetRoleResult>;
  /** Oldest first, `(createdAt, id)` strictly after `after` when given, at most `limit`. */
  list(page: { readonly after?: UserCursor; readonly limit: number }): Promise<UserRecord[]>;
}

/** A refresh token as stored: only its SHA-256 hash, never the token itself. */
export interface RefreshTokenRecord {
  readonly tokenHash: string;
  /** Every token descended from one sign-in shares the family id. */
  readonly familyId: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** The outcome of presenting a refresh token. */
export type RotateOutcome =
  | { readonly kind: "rotated"; readonly userId: string; readonly familyId: string }
  /** The token had been used before: the whole family is now revoked. */
  | { readonly kind: "reused"; readonly userId: string; readonly familyId: string }
  | { readonly kind: "expired" | "revoked" | "unknown" };

/** Refresh token families with rotation and reuse detection. */
export interface RefreshTokenStore {
  /** Stores the first token of a new family (a sign-in). */
  startFamily(first: RefreshTokenRecord): Promise<void>;
  /**
   * Atomically: if `presentedHash` is live and unused, marks it used and stores `next` in the same
   * family; if it was already used, revokes its family. Two concurrent calls with the same token
   * can never both rotate.
   */
  rotate(
    presentedHash: string,
    next: { readonly tokenHash: string; readonly createdAt: number; readonly expiresAt: number },
    now: number,
  ): Promise<RotateOutcome>;
  /** Revokes the family the token belongs to; undefined for an unknown token. */
  revokeFamilyOf(
    tokenHash: string,
    now: number,
  ): Promise<{ readonly userId: string; readonly familyId: string } | undefined>;
  /** Revokes every family of the account (password reset); returns how many were live. */
  revokeAllForUser(userId: string, now: number): Promise<number>;
  /** Deletes tokens past their expiry and families left empty. */
  pruneExpired(now: number): Promise<number>;
}

/** An Ed25519 signing key pair as persisted. */
export interface SigningKeyRecord {
  readonly kid: string;
  /** Private JWK (with `d`). Stays inside auth. */
  readonly privateJwk: Readonly<Record<string, unknown>>;
  readonly publicJwk: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  /** When the key stopped signing; null for the current key. */
  readonly retiredAt: number | null;
}

/** Auth's signing keys. */
export interface SigningKeyStore {
  /** Every stored key, oldest first. */
  list(): Promise<SigningKeyRecord[]>;
  /** Atomically stores `key` as the current key and retires any other current key at `now`. */
  activate(key: SigningKeyRecord, now: number): Promise<void>;
  /** Deletes keys retired at or before `cutoff`; returns their kids. */
  pruneRetiredBefore(cutoff: number): Promise<string[]>;
}

/** Access token ids (jti) that were logged out before they expired. */
export interface DeniedTokenStore {
  deny(tokenId: string, until: number): Promise<void>;
  isDenied(tokenId: string, now: number): Promise<boolean>;
  pruneExpired(now: number): Promise<number>;
}

/** Password-reset tokens, stored as SHA-256 hashes. */
export interface ResetTokenStore {
  create(token: {
    readonly tokenHash: string;
    readonly userId: string;
    readonly createdAt: number;
    readonly expiresAt: number;
  }): Promise<void>;
  /** The account of a live (unused, unexpired) token, without using it up. */
  peek(tokenHash: string, now: number): Promise<string | undefined>;
  /** Atomically marks a live token used; the account id, or undefined when it was not live. */
  consume(tokenHash: string, now: number): Promise<string | undefined>;
  /** Marks every live token of the account used (after a successful reset). */
  invalidateAllForUser(userId: string, now: number): Promise<void>;
  pruneExpired(now: number): Promise<number>;
}

/** Password hashing; slow on purpose and run off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
  /** True when the hash was made with other parameters than the current ones. */
  needsRehash(passwordHash: string): boolean;
  /**
   * A hash, with the current parameters, of a secret nobody knows. Sign-ins naming an unknown
   * account verify against it, so they cost as much as real ones and timing reveals nothing.
   */
  readonly dummyHash: string;
}

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Sends mail (password resets). */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

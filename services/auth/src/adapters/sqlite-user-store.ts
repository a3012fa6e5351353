import type Database from "better-sqlite3";
import type {
  CreateUserResult,
  NewUser,
  ProfilePatch,
  SetRoleResult,
  UserCursor,
  UserRecord,
  UserRole,
  UserStore,
} from "../ports.js";

interface UserRow {
  id: string;
  username: string;
  email: string;
  display_name: string;
  avatar_file_id: string;
  role: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = "id, username, email, display_name, avatar_file_id, role, created_at, updated_at";

/** Lower-cases an email for uniqueness and lookup (Unicode-aware, unlike SQLite's `lower`). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** {@link UserStore} on auth's SQLite database. */
export class SqliteUserStore implements UserStore {
  private readonly byId;
  private readonly byUsername;
  private readonly byEmailKey;
  private readonly credentials;
  private readonly hasAny;
  private readonly insert;
  private readonly manyByIds;
  private readonly manyByUsernames;
  private readonly updateNames;
  private readonly updateHash;
  private readonly updateRole;
  private readonly countAdmins;
  private readonly firstPage;
  private readonly nextPage;
  private readonly createTx;
  private readonly setRoleTx;
  private readonly updateProfileTx;

  constructor(db: Database.Database) {
    this.byId = db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.byUsername = db.prepare<[string], UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE username = ? COLLATE NOCASE`,
    );
    this.byEmailKey = db.prepare<[string], UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE email_key = ?`,
    );
    this.credentials = db.prepare<[string, string], UserRow & { password_hash: string }>(
      `SELECT ${COLUMNS}, password_hash FROM users
       WHERE username = ? COLLATE NOCASE OR email_key = ? LIMIT 1`,
    );
    this.hasAny = db.prepare<[], { found: number }>("SELECT EXISTS (SELECT 1 FROM users) AS found");
    this.insert = db.prepare(
      `INSERT INTO users (id, username, email, email_key, display_name, avatar_file_id, role,
                          password_hash, created_at, updated_at)
       VALUES (@id, @username, @email, @emailKey, @displayName, '', @role, @passwordHash,
               @createdAt, @createdAt)`,
    );
    this.manyByIds = db.prepare<[string], UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE id IN (SELECT value FROM json_each(?))`,
    );
    this.manyByUsernames = db.prepare<[string], UserRow>(
      `SELECT ${COLUMNS} FROM users
       WHERE username COLLATE NOCASE IN (SELECT value FROM json_each(?))`,
    );
    this.updateNames = db.prepare<[string | null, string | null, number, string]>(
      `UPDATE users SET display_name = COALESCE(?, display_name),
                        avatar_file_id = COALESCE(?, avatar_file_id), updated_at = ?
       WHERE id = ?`,
    );
    this.updateHash = db.prepare<[string, number, string]>(
      "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
    );
    this.updateRole = db.prepare<[string, number, string]>(
      "UPDATE users SET role = ?, updated_at = ? WHERE id = ?",
    );
    this.countAdmins = db.prepare<[], { n: number }>(
      "SELECT COUNT(*) AS n FROM users WHERE role = 'admin'",
    );
    this.firstPage = db.prepare<[number], UserRow>(
      `SELECT ${COLUMNS} FROM users ORDER BY created_at, id LIMIT ?`,
    );
    this.nextPage = db.prepare<[number, string, number], UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE (created_at, id) > (?, ?)
       ORDER BY created_at, id LIMIT ?`,
    );

    this.createTx = db.transaction((user: NewUser): CreateUserResult => {
      const conflict = this.conflictOf(user);
      if (conflict) return { ok: false, conflict };
      const role: UserRole = user.promoteIfFirst && !this.hasAny.get()?.found ? "admin" : user.role;
      this.insert.run({
        id: user.id,
        username: user.username,
        email: user.email,
        emailKey: emailKey(user.email),
        displayName: user.displayName,
        role,
        passwordHash: user.passwordHash,
        createdAt: user.createdAt,
      });
      return { ok: true, user: this.mustFind(user.id) };
    });
    this.setRoleTx = db.transaction((id: string, role: UserRole, now: number): SetRoleResult => {
      const row = this.byId.get(id);
      if (!row) return { kind: "not_found" };
      if (row.role === "admin" && role !== "admin" && (this.countAdmins.get()?.n ?? 0) <= 1) {
        return { kind: "last_admin" };
      }
      if (row.role !== role) this.updateRole.run(role, now, id);
      return { kind: "updated", user: this.mustFind(id) };
    });
    this.updateProfileTx = db.transaction((id: string, patch: ProfilePatch, now: number) => {
      const changed = this.updateNames.run(
        patch.displayName ?? null,
        patch.avatarFileId ?? null,
        now,
        id,
      ).changes;
      return changed === 0 ? undefined : this.mustFind(id);
    });
  }

  async create(user: NewUser): Promise<CreateUserResult> {
    try {
      return this.createTx.immediate(user);
    } catch (err) {
      // Another process inserted the same name between our check and our insert.
      if (isUniqueViolation(err)) {
        const conflict = this.conflictOf(user);
        if (conflict) return { ok: false, conflict };
      }
      throw err;
    }
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    return toRecord(this.byId.get(id));
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    return toRecord(this.byEmailKey.get(emailKey(email)));
  }

  async findCredentials(
    login: string,
  ): Promise<{ user: UserRecord; passwordHash: string } | undefined> {
    const row = this.credentials.get(login.trim(), emailKey(login));
    if (!row) return undefined;
    return { user: toRecordOf(row), passwordHash: row.password_hash };
  }

  async findManyByIds(ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    return this.manyByIds.all(JSON.stringify(ids)).map(toRecordOf);
  }

  async findManyByUsernames(usernames: readonly string[]): Promise<UserRecord[]> {
    if (usernames.length === 0) return [];
    return this.manyByUsernames.all(JSON.stringify(usernames)).map(toRecordOf);
  }

  async updateProfile(
    id: string,
    patch: ProfilePatch,
    now: number,
  ): Promise<UserRecord | undefined> {
    return this.updateProfileTx.immediate(id, patch, now);
  }

  async setPasswordHash(id: string, passwordHash: string, now: number): Promise<boolean> {
    return this.updateHash.run(passwordHash, now, id).changes === 1;
  }

  async setRole(id: string, role: UserRole, now: number): Promise<SetRoleResult> {
    return this.setRoleTx.immediate(id, role, now);
  }

  async list(page: { after?: UserCursor; limit: number }): Promise<UserRecord[]> {
    const rows = page.after
      ? this.nextPage.all(page.after.createdAt, page.after.id, page.limit)
      : this.firstPage.all(page.limit);
    return rows.map(toRecordOf);
  }

  private conflictOf(user: NewUser): "username" | "email" | undefined {
    if (this.byUsername.get(user.username)) return "username";
    if (this.byEmailKey.get(emailKey(user.email))) return "email";
    return undefined;
  }

  private mustFind(id: string): UserRecord {
    const row = this.byId.get(id);
    if (!row) throw new Error(`user ${id} vanished inside a transaction`);
    return toRecordOf(row);
  }
}

function toRecord(row: UserRow | undefined): UserRecord | undefined {
  return row ? toRecordOf(row) : undefined;
}

function toRecordOf(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    avatarFileId: row.avatar_file_id,
    role: row.role === "admin" ? "admin" : "member",
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return (
    typeof err === "object" &&
    err !== null &&
    "code" in err &&
    (err as { code: unknown }).code === "SQLITE_CONSTRAINT_UNIQUE"
  );
}

import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { type Session, SessionSchema } from "@parley/gen/parley/auth/v1/token_pb.js";
import { type AuthenticatedUser, type DomainError, kClientAddress, kUser } from "@parley/mesh";
import type { AccessTokens } from "./access-tokens.js";
import * as errors from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import type {
  Clock,
  Logger,
  Mailer,
  PasswordHasher,
  RateLimiter,
  ResetTokenStore,
  UserRecord,
  UserStore,
} from "./ports.js";
import {
  fromRoleProto,
  toJwkProto,
  toRoleProto,
  toTimestamp,
  toUserProto,
} from "./proto-mapping.js";
import type { IssuedRefreshToken, RefreshTokens } from "./refresh-tokens.js";
import { hashSecretToken, newSecretToken } from "./secret-tokens.js";
import type { SigningKeyRing } from "./signing-keys.js";

/** The limiters auth applies; a missing one means that limit is off. */
export interface AuthRateLimiters {
  readonly loginPerAccount?: RateLimiter | undefined;
  readonly loginPerAddress?: RateLimiter | undefined;
  readonly registerPerAddress?: RateLimiter | undefined;
  readonly resetPerAddress?: RateLimiter | undefined;
  readonly resetPerEmail?: RateLimiter | undefined;
}

/** The settings use cases read (a slice of `AuthConfig`, so tests need not build a whole one). */
export interface AuthServiceSettings {
  /** Username that becomes admin on registration; when unset, the first account does. */
  readonly initialAdminUsername?: string | undefined;
  /** Web app origin for reset links, without trailing slash. */
  readonly publicUrl: string;
  readonly resetTokenTtlMs: number;
}

/** Everything the use cases need, already built: no I/O happens in {@link createAuthService}. */
export interface AuthServiceDeps {
  readonly users: UserStore;
  readonly resetTokens: ResetTokenStore;
  readonly refreshTokens: RefreshTokens;
  readonly accessTokens: Pick<AccessTokens, "issue" | "verify" | "deny">;
  readonly signingKeys: Pick<SigningKeyRing, "jwks">;
  readonly hasher: PasswordHasher;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly rateLimiters: AuthRateLimiters;
  readonly settings: AuthServiceSettings;
  readonly logger?: Logger | undefined;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/**
 * `parley.auth.v1.AuthService`: accounts, sessions and signing keys.
 *
 * Each method is authorize → port → map. The mesh validates requests against the contract before
 * they arrive and sets `kUser` from a verified access token; methods still check the identity
 * they rely on. Failures are the `DomainError`s of `errors.ts`.
 */
export function createAuthService(deps: AuthServiceDeps): ServiceImpl<typeof AuthService> {
  const { users, hasher, clock, rateLimiters: limits, settings } = deps;
  const log = deps.logger ?? silentLogger;

  async function sessionFor(user: UserRecord, refresh: IssuedRefreshToken): Promise<Session> {
    const access = await deps.accessTokens.issue(user);
    return create(SessionSchema, {
      accessToken: access.token,
      accessTokenExpiresAt: toTimestamp(access.expiresAt),
      refreshToken: refresh.token,
      refreshTokenExpiresAt: toTimestamp(refresh.expiresAt),
      user: toUserProto(user),
    });
  }

  /** The caller's current account (fresh from the store, not just the token's claims). */
  async function currentUser(ctx: HandlerContext): Promise<UserRecord> {
    const caller = signedIn(ctx);
    const user = await users.findById(caller.id);
    if (!user) throw errors.accountGone();
    return user;
  }

  /**
   * An admin caller. The token's role is checked first (cheap), then the stored role, so an admin
   * demoted less than a token lifetime ago cannot keep acting as admin.
   */
  async function requireAdmin(ctx: HandlerContext): Promise<UserRecord> {
    if (signedIn(ctx).role !== "admin") throw errors.adminOnly();
    const user = await currentUser(ctx);
    if (user.role !== "admin") throw errors.adminOnly();
    return user;
  }

  async function sendResetMail(user: UserRecord, token: string): Promise<void> {
    const link = `${settings.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
    const minutes = Math.round(settings.resetTokenTtlMs / 60_000);
    await deps.mailer.send({
      to: user.email,
      subject: "Reset your Parley password",
      text: [
        `Someone (hopefully you) asked to reset the password of the Parley account "${user.username}".`,
        "",
        `Open this link within ${minutes} minutes to choose a new password:`,
        link,
        "",
        "The link works once. If you did not ask for this, ignore this mail: your password stays as it is.",
      ].join("\n"),
    });
  }

  return {
    async register(req, ctx) {
      await enforce(
        limits.registerPerAddress,
        addressKey("register", ctx),
        errors.tooManyRegistrations,
      );
      const username = req.username.toLowerCase();
      const passwordHash = await hasher.hash(req.password);
      const isNamedAdmin = settings.initialAdminUsername === username;
      const result = await users.create({
        id: randomUUID(),
        username,
        email: req.email.trim(),
        displayName: req.displayName.trim() || username,
        passwordHash,
        role: isNamedAdmin ? "admin" : "member",
        promoteIfFirst: settings.initialAdminUsername === undefined,
        createdAt: clock.now(),
      });
      if (!result.ok) {
        throw result.conflict === "username" ? errors.usernameTaken() : errors.emailTaken();
      }
      const { user } = result;
      log.info({ userId: user.id, role: user.role }, "account registered");
      return { session: await sessionFor(user, await deps.refreshTokens.start(user.id)) };
    },

    async login(req, ctx) {
      await enforce(limits.loginPerAddress, addressKey("login", ctx), errors.tooManyLoginAttempts);
      const login = req.login.trim().toLowerCase();
      const accountKey = `login:account:${login}`;
      await enforce(limits.loginPerAccount, accountKey, errors.tooManyLoginAttempts);

      const found = await users.findCredentials(login);
      // Unknown accounts still pay for one argon2 verify: the answer's timing reveals nothing.
      const valid = await hasher.verify(found?.passwordHash ?? hasher.dummyHash, req.password);
      if (!found || !valid) {
        log.info({ userId: found?.user.id }, "sign-in refused");
        throw errors.invalidCredentials();
      }
      await limits.loginPerAccount?.reset(accountKey);
      if (hasher.needsRehash(found.passwordHash)) {
        await users.setPasswordHash(found.user.id, await hasher.hash(req.password), clock.now());
        log.info({ userId: found.user.id }, "password rehashed with current parameters");
      }
      log.info({ userId: found.user.id }, "signed in");
      const refresh = await deps.refreshTokens.start(found.user.id);
      return { session: await sessionFor(found.user, refresh) };
    },

    async refresh(req) {
      const outcome = await deps.refreshTokens.rotate(req.refreshToken);
      if (!outcome.ok) {
        if (outcome.reason === "reused") {
          log.warn(
            { userId: outcome.userId, familyId: outcome.familyId },
            "refresh token reused; every session of that sign-in revoked",
          );
        }
        throw errors.sessionExpired();
      }
      const user = await users.findById(outcome.userId);
      if (!user) throw errors.sessionExpired();
      return { session: await sessionFor(user, outcome.next) };
    },

    async logout(req, ctx) {
      const revoked = await deps.refreshTokens.revokeFamilyOf(req.refreshToken);
      const caller = ctx.values.get(kUser);
      if (caller) await deps.accessTokens.deny(caller.tokenId, caller.expiresAt.getTime());
      if (revoked || caller) {
        log.info(
          { userId: revoked?.userId ?? caller?.id, familyId: revoked?.familyId },
          "signed out",
        );
      }
      return {};
    },

    async getMe(_req, ctx) {
      return { user: toUserProto(await currentUser(ctx)) };
    },

    async updateProfile(req, ctx) {
      const caller = signedIn(ctx);
      const updated = await users.updateProfile(
        caller.id,
        {
          ...(req.displayName !== undefined && { displayName: req.displayName.trim() }),
          ...(req.avatarFileId !== undefined && { avatarFileId: req.avatarFileId }),
        },
        clock.now(),
      );
      if (!updated) throw errors.accountGone();
      return { user: toUserProto(updated) };
    },

    async requestPasswordReset(req, ctx) {
      await enforce(limits.resetPerAddress, addressKey("reset", ctx), errors.tooManyResetRequests);
      const emailKey = req.email.trim().toLowerCase();
      // Past the per-inbox limit we answer OK and send nothing: no flooding, no information.
      const inbox = await limits.resetPerEmail?.take(`reset:email:${emailKey}`);
      if (inbox && !inbox.allowed) {
        log.warn({}, "password reset mail suppressed: too many for one address");
        return {};
      }
      const user = await users.findByEmail(emailKey);
      if (!user) return {};

      const token = newSecretToken();
      const now = clock.now();
      await deps.resetTokens.create({
        tokenHash: hashSecretToken(token),
        userId: user.id,
        createdAt: now,
        expiresAt: now + settings.resetTokenTtlMs,
      });
      log.info({ userId: user.id }, "password reset requested");
      // Not awaited: a slow mail relay must not make known addresses answer slower than unknown.
      sendResetMail(user, token).catch((err: unknown) => {
        log.error({ userId: user.id, err }, "password reset mail could not be sent");
      });
      return {};
    },

    async resetPassword(req) {
      const tokenHash = hashSecretToken(req.token);
      // Check before hashing so invalid tokens cost no argon2 work.
      const userId = await deps.resetTokens.peek(tokenHash, clock.now());
      if (!userId) throw errors.invalidResetToken();
      const passwordHash = await hasher.hash(req.newPassword);
      // Consume atomically: of two concurrent resets with one link, only one gets here.
      if ((await deps.resetTokens.consume(tokenHash, clock.now())) !== userId) {
        throw errors.invalidResetToken();
      }
      const now = clock.now();
      if (!(await users.setPasswordHash(userId, passwordHash, now))) {
        throw errors.invalidResetToken();
      }
      await deps.resetTokens.invalidateAllForUser(userId, now);
      const revoked = await deps.refreshTokens.revokeAllForUser(userId);
      // The owner proved control of the inbox: lift any sign-in lockout an attacker caused.
      const user = await users.findById(userId);
      if (user) {
        await limits.loginPerAccount?.reset(`login:account:${user.username}`);
        await limits.loginPerAccount?.reset(`login:account:${user.email.toLowerCase()}`);
      }
      log.info({ userId, revokedSessions: revoked }, "password reset; all sessions revoked");
      return {};
    },

    async setUserRole(req, ctx) {
      const actor = await requireAdmin(ctx);
      const role = fromRoleProto(req.role);
      if (!role) throw errors.invalidRole();
      const result = await users.setRole(req.userId, role, clock.now());
      switch (result.kind) {
        case "not_found":
          throw errors.userNotFound();
        case "last_admin":
          throw errors.lastAdmin();
        case "updated":
          log.info({ actorId: actor.id, userId: result.user.id, role }, "role changed");
          return { user: toUserProto(result.user) };
      }
    },

    async listUsers(req, ctx) {
      await requireAdmin(ctx);
      const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, req.pageSize || DEFAULT_PAGE_SIZE));
      let after: ReturnType<typeof decodePageToken>;
      if (req.pageToken !== "") {
        after = decodePageToken(req.pageToken);
        if (!after) throw errors.invalidPageToken();
      }
      const rows = await users.list({ ...(after && { after }), limit: pageSize + 1 });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      return {
        users: page.map(toUserProto),
        nextPageToken:
          rows.length > pageSize && last
            ? encodePageToken({ createdAt: last.createdAt, id: last.id })
            : "",
      };
    },

    async lookupUsers(req) {
      const ids = [...new Set(req.ids.map((id) => id.toLowerCase()))];
      const names = [...new Set(req.usernames.map((name) => name.trim().toLowerCase()))];
      const [byId, byName] = await Promise.all([
        users.findManyByIds(ids),
        users.findManyByUsernames(names),
      ]);
      // Answer in request order (ids first, then usernames), each account once.
      const ordered = new Map<string, UserRecord>();
      const idIndex = new Map(byId.map((u) => [u.id, u]));
      const nameIndex = new Map(byName.map((u) => [u.username, u]));
      for (const id of ids) {
        const user = idIndex.get(id);
        if (user) ordered.set(user.id, user);
      }
      for (const name of names) {
        const user = nameIndex.get(name);
        if (user && !ordered.has(user.id)) ordered.set(user.id, user);
      }
      return { users: [...ordered.values()].map(toUserProto) };
    },

    async getJwks() {
      return { keys: (await deps.signingKeys.jwks()).map(toJwkProto) };
    },

    async introspectToken(req) {
      const info = await deps.accessTokens.verify(req.token);
      if (!info) return { active: false };
      return {
        active: true,
        userId: info.userId,
        role: toRoleProto(info.role),
        tokenId: info.tokenId,
        expiresAt: toTimestamp(info.expiresAt),
      };
    },
  };
}

/** The signed-in caller, or `unauthenticated`. */
function signedIn(ctx: HandlerContext): AuthenticatedUser {
  const user = ctx.values.get(kUser);
  if (!user) throw errors.notSignedIn();
  return user;
}

/**
 * Rate-limit key for the client address. Undefined when the address is unknown (in-process
 * calls): one shared "unknown" bucket would let anyone lock everyone out.
 */
function addressKey(action: string, ctx: HandlerContext): string | undefined {
  const address = ctx.values.get(kClientAddress);
  return address ? `${action}:address:${address}` : undefined;
}

async function enforce(
  limiter: RateLimiter | undefined,
  key: string | undefined,
  refuse: (retryAfterMs: number) => DomainError,
): Promise<void> {
  if (!limiter || key === undefined) return;
  const decision = await limiter.take(key);
  if (!decision.allowed) throw refuse(decision.retryAfterMs);
}

const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

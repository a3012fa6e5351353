import { join } from "node:path";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { MemoryRateLimiter } from "@parley/mesh";
import { type AccessTokenInfo, AccessTokens } from "./access-tokens.js";
import { Argon2PasswordHasher } from "./adapters/argon2-password-hasher.js";
import { LoggingMailer } from "./adapters/logging-mailer.js";
import { SmtpMailer } from "./adapters/smtp-mailer.js";
import { openSqliteAuthStore } from "./adapters/sqlite-auth-store.js";
import { systemClock } from "./adapters/system-clock.js";
import type { AuthConfig, AuthRateLimits, RateRule } from "./config.js";
import type {
  Clock,
  DeniedTokenStore,
  Logger,
  Mailer,
  PasswordHasher,
  RateLimiter,
} from "./ports.js";
import { RefreshTokens } from "./refresh-tokens.js";
import { type AuthRateLimiters, createAuthService } from "./service.js";
import { type PublicSigningJwk, SigningKeyRing } from "./signing-keys.js";

/** File name of auth's database inside `AuthConfig.dataDir`. */
export const AUTH_DATABASE_FILE = "auth.db";

const HOUR = 3_600_000;

/** Replacements for the defaults `createAuth` would build; mostly for tests and mesh mode. */
export interface CreateAuthOptions {
  readonly logger?: Logger | undefined;
  /** Default: the wall clock. */
  readonly clock?: Clock | undefined;
  /** Default: SMTP when `smtpUrl` is set, else a {@link LoggingMailer}. Passed-in mailers are not closed. */
  readonly mailer?: Mailer | undefined;
  /** Default: argon2id with OWASP parameters. Tests pass cheaper parameters here. */
  readonly passwordHasher?: PasswordHasher | undefined;
  /** Builds the limiter for one rule, e.g. a Redis one shared by instances. Default: in memory. */
  readonly rateLimiter?: ((name: keyof AuthRateLimits, rule: RateRule) => RateLimiter) | undefined;
  /** How often expired rows are pruned and key rotation is checked. Default: hourly. */
  readonly housekeepingIntervalMs?: number | undefined;
  /**
   * Told of every access token logged out (its `jti`, and until when it is denied) once auth's
   * own denylist has it, so the mesh can deny it in every service (auth's main.ts announces it).
   */
  readonly onAccessTokenDenied?: ((tokenId: string, until: number) => void) | undefined;
}

/** A running auth module: what the single-process server and auth's own main wire up. */
export interface Auth {
  /** Register with `router.service(AuthService, auth.service)`. */
  readonly service: ServiceImpl<typeof AuthService>;
  readonly signingKeys: {
    /** Public keys for verifiers and for `/.well-known/jwks.json` (as `{ keys }`). */
    jwks(): Promise<PublicSigningJwk[]>;
    /** Starts signing with a new key now; returns its kid. */
    rotate(): Promise<string>;
  };
  /** Full verification of an access token (signature, issuer, audience, expiry, denylist). */
  verifyAccessToken(token: string): Promise<AccessTokenInfo | undefined>;
  /** The denylist hook for the mesh's token verifier: was this `jti` logged out? */
  isTokenDenied(tokenId: string): Promise<boolean>;
  /** The mailer in use (a {@link LoggingMailer} in dev, whose `sent()` tests can read). */
  readonly mailer: Mailer;
  /** Prunes expired tokens and retired keys and rotates the signing key when due. */
  housekeeping(): Promise<void>;
  /** Stops housekeeping and closes the database (and the mailer auth created). Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds auth from its configuration: opens `<dataDir>/auth.db`, makes sure a signing key exists,
 * and returns the service with the hooks the mesh needs. The housekeeping timer is `unref`'d, so
 * it never keeps a process alive on its own.
 */
export async function createAuth(
  config: AuthConfig,
  options: CreateAuthOptions = {},
): Promise<Auth> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const store = openSqliteAuthStore(
    config.dataDir === ":memory:" ? ":memory:" : join(config.dataDir, AUTH_DATABASE_FILE),
  );
  const ownMailer = options.mailer === undefined;
  const mailer =
    options.mailer ??
    (config.smtpUrl
      ? new SmtpMailer(config.smtpUrl, config.mailFrom)
      : new LoggingMailer(
          logger,
          config.dataDir === ":memory:" ? undefined : join(config.dataDir, "outbox"),
        ));

  try {
    const signingKeys = new SigningKeyRing({
      store: store.signingKeys,
      clock,
      rotationIntervalMs: config.keyRotationIntervalMs,
      accessTokenTtlMs: config.accessTokenTtlMs,
      logger,
    });
    const accessTokens = new AccessTokens({
      keys: signingKeys,
      denied: announcingDenials(store.deniedTokens, options.onAccessTokenDenied),
      clock,
      ttlMs: config.accessTokenTtlMs,
      logger,
    });
    const refreshTokens = new RefreshTokens({
      store: store.refreshTokens,
      clock,
      ttlMs: config.refreshTokenTtlMs,
    });
    const service = createAuthService({
      users: store.users,
      resetTokens: store.resetTokens,
      refreshTokens,
      accessTokens,
      signingKeys,
      hasher: options.passwordHasher ?? new Argon2PasswordHasher(),
      mailer,
      clock,
      rateLimiters: buildLimiters(config.rateLimits, clock, options.rateLimiter),
      settings: {
        initialAdminUsername: config.initialAdminUsername,
        publicUrl: config.publicUrl,
        resetTokenTtlMs: config.resetTokenTtlMs,
      },
      logger,
    });

    const housekeeping = async (): Promise<void> => {
      const now = clock.now();
      await signingKeys.ensureCurrent();
      const refresh = await store.refreshTokens.pruneExpired(now);
      const denied = await store.deniedTokens.pruneExpired(now);
      const reset = await store.resetTokens.pruneExpired(now);
      if (refresh + denied + reset > 0) {
        logger?.debug({ refresh, denied, reset }, "expired tokens pruned");
      }
    };
    await housekeeping();

    const timer = setInterval(() => {
      housekeeping().catch((err: unknown) => logger?.error({ err }, "auth housekeeping failed"));
    }, options.housekeepingIntervalMs ?? HOUR);
    timer.unref();

    let closed = false;
    return {
      service,
      signingKeys: { jwks: () => signingKeys.jwks(), rotate: () => signingKeys.rotate() },
      verifyAccessToken: (token) => accessTokens.verify(token),
      isTokenDenied: (tokenId) => accessTokens.isDenied(tokenId),
      mailer,
      housekeeping,
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        try {
          if (ownMailer) await mailer.close();
        } finally {
          store.close();
        }
      },
    };
  } catch (err) {
    store.close();
    if (ownMailer) await mailer.close();
    throw err;
  }
}

function buildLimiters(
  rules: AuthRateLimits,
  clock: Clock,
  factory: CreateAuthOptions["rateLimiter"],
): AuthRateLimiters {
  const make = (name: keyof AuthRateLimits): RateLimiter | undefined => {
    const rule = rules[name];
    if (!rule) return undefined;
    return factory
      ? factory(name, rule)
      : new MemoryRateLimiter({ ...rule, now: () => clock.now() });
  };
  return {
    loginPerAccount: make("loginPerAccount"),
    loginPerAddress: make("loginPerAddress"),
    registerPerAddress: make("registerPerAddress"),
    resetPerAddress: make("resetPerAddress"),
    resetPerEmail: make("resetPerEmail"),
  };
}

/** The denylist store, telling `listener` of each denial once it is stored. */
function announcingDenials(
  store: DeniedTokenStore,
  listener: ((tokenId: string, until: number) => void) | undefined,
): DeniedTokenStore {
  if (!listener) return store;
  return {
    async deny(tokenId, until) {
      await store.deny(tokenId, until);
      listener(tokenId, until);
    },
    isDenied: (tokenId, now) => store.isDenied(tokenId, now),
    pruneExpired: (now) => store.pruneExpired(now),
  };
}

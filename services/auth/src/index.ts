/**
 * `@parley/auth`: accounts, argon2id passwords, EdDSA access tokens, rotating refresh tokens and
 * the JWKS. Composition roots use {@link createAuth}; tests and other wirings can assemble
 * {@link createAuthService} from the ports and adapters exported here.
 */
export { type AccessTokenInfo, AccessTokens, type IssuedAccessToken } from "./access-tokens.js";
export {
  type Argon2Parameters,
  Argon2PasswordHasher,
  OWASP_ARGON2ID,
} from "./adapters/argon2-password-hasher.js";
export { LoggingMailer } from "./adapters/logging-mailer.js";
export { SmtpMailer } from "./adapters/smtp-mailer.js";
export { openSqliteAuthStore, type SqliteAuthStore } from "./adapters/sqlite-auth-store.js";
export { systemClock } from "./adapters/system-clock.js";
export {
  AUTH_DATABASE_FILE,
  type Auth,
  type CreateAuthOptions,
  createAuth,
} from "./auth-module.js";
export { type AuthServer, serveAuth } from "./auth-server.js";
export {
  type AuthConfig,
  AuthConfigError,
  type AuthProcessConfig,
  type AuthRateLimits,
  loadAuthConfig,
  loadConfig,
  type RateRule,
} from "./config.js";
export { createJwksRoute, JWKS_PATH } from "./jwks-route.js";
export type * from "./ports.js";
export { type IssuedRefreshToken, type RefreshOutcome, RefreshTokens } from "./refresh-tokens.js";
export {
  type AuthRateLimiters,
  type AuthServiceDeps,
  type AuthServiceSettings,
  createAuthService,
} from "./service.js";
export {
  type ActiveSigningKey,
  CLOCK_SKEW_ALLOWANCE_MS,
  type PublicSigningJwk,
  SigningKeyRing,
} from "./signing-keys.js";

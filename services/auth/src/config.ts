import { join, resolve } from "node:path";
import {
  ConfigError,
  collectProblems,
  createEnvReader,
  DAY,
  discoveryFromEnv,
  HOUR,
  type MeshConfig,
  MINUTE,
  parseMeshConfig,
  type RateRule,
  redisUrl,
  SECOND,
} from "@parley/mesh";

/** Every rate limit auth applies; `null` switches one off (e.g. for load tests). */
export interface AuthRateLimits {
  /** Sign-in attempts per login name (username or email); reset by a successful sign-in. */
  readonly loginPerAccount: RateRule | null;
  /** Sign-in attempts per client address, whatever the account. */
  readonly loginPerAddress: RateRule | null;
  /** Registrations per client address (each costs an argon2 hash). */
  readonly registerPerAddress: RateRule | null;
  /** Password-reset requests per client address (answered with `resource_exhausted`). */
  readonly resetPerAddress: RateRule | null;
  /**
   * Reset mails per email address. Past it, requests still succeed but send nothing, so one
   * inbox cannot be flooded from many addresses and the answer reveals nothing.
   */
  readonly resetPerEmail: RateRule | null;
}

/** Auth's configuration, typed and validated once at start. */
export interface AuthConfig {
  /** Directory holding auth's SQLite database (`auth.db`); `":memory:"` for a throwaway store. */
  readonly dataDir: string;
  /** Lifetime of access tokens (JWTs); short, because they cannot be revoked everywhere. */
  readonly accessTokenTtlMs: number;
  /** Lifetime of an unused refresh token; every refresh starts a new one. */
  readonly refreshTokenTtlMs: number;
  /** Lifetime of a password-reset link. */
  readonly resetTokenTtlMs: number;
  /** Age at which the current signing key is replaced by a new one. */
  readonly keyRotationIntervalMs: number;
  /** Username that becomes admin when registered; when unset, the first account becomes admin. */
  readonly initialAdminUsername: string | undefined;
  /** Origin of the web app, used to build reset links (no trailing slash). */
  readonly publicUrl: string;
  /** `smtp://` or `smtps://` URL of the mail relay; unset means mails are only logged (dev). */
  readonly smtpUrl: string | undefined;
  /** `From` header of mails auth sends. */
  readonly mailFrom: string;
  readonly rateLimits: AuthRateLimits;
}

/** Thrown when the environment holds values auth cannot run with; lists every problem at once. */
export class AuthConfigError extends ConfigError {
  override name = "AuthConfigError";

  constructor(problems: readonly string[]) {
    super("auth", problems);
  }
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;

/**
 * Reads auth's configuration from the environment. This is the only place in the service that
 * touches `process.env`, so every knob is documented here and a bad value stops the process at
 * start instead of surfacing as a confusing failure later.
 *
 * Durations accept `ms`, `s`, `m`, `h` and `d` suffixes (a bare number means seconds); rates are
 * `<count>/<duration>` (e.g. `10/15m`) or `off`.
 *
 * | Variable | Default |
 * | --- | --- |
 * | `PARLEY_AUTH_DATA_DIR` | `$PARLEY_DATA_DIR/auth` (`./data/auth`) |
 * | `PARLEY_AUTH_ACCESS_TOKEN_TTL` | `15m` |
 * | `PARLEY_AUTH_REFRESH_TOKEN_TTL` | `30d` |
 * | `PARLEY_AUTH_RESET_TOKEN_TTL` | `30m` |
 * | `PARLEY_AUTH_KEY_ROTATION_INTERVAL` | `7d` |
 * | `PARLEY_AUTH_INITIAL_ADMIN` | unset (first account becomes admin) |
 * | `PARLEY_PUBLIC_URL` | `http://localhost:8080` |
 * | `PARLEY_SMTP_URL` | unset (mails are logged, not sent) |
 * | `PARLEY_MAIL_FROM` | `Parley <no-reply@parley.local>` |
 * | `PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT` | `10/15m` |
 * | `PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS` | `100/15m` |
 * | `PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS` | `50/1h` |
 * | `PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS` | `10/1h` |
 * | `PARLEY_AUTH_RESET_LIMIT_PER_EMAIL` | `3/1h` |
 */
export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const { problems, read, duration, rate } = createEnvReader(env);

  const dataDir = read("PARLEY_AUTH_DATA_DIR") ?? join(read("PARLEY_DATA_DIR") ?? "data", "auth");
  const accessTokenTtlMs = duration("PARLEY_AUTH_ACCESS_TOKEN_TTL", "15m", MINUTE, DAY);
  const refreshTokenTtlMs = duration("PARLEY_AUTH_REFRESH_TOKEN_TTL", "30d", HOUR, 365 * DAY);
  const resetTokenTtlMs = duration("PARLEY_AUTH_RESET_TOKEN_TTL", "30m", 5 * MINUTE, 7 * DAY);
  const keyRotationIntervalMs = duration(
    "PARLEY_AUTH_KEY_ROTATION_INTERVAL",
    "7d",
    HOUR,
    365 * DAY,
  );
  if (refreshTokenTtlMs <= accessTokenTtlMs) {
    problems.push("PARLEY_AUTH_REFRESH_TOKEN_TTL: must be longer than the access token TTL");
  }
  if (accessTokenTtlMs % SECOND !== 0) {
    problems.push("PARLEY_AUTH_ACCESS_TOKEN_TTL: must be a whole number of seconds");
  }

  const initialAdmin = read("PARLEY_AUTH_INITIAL_ADMIN");
  if (initialAdmin !== undefined && !USERNAME.test(initialAdmin)) {
    problems.push(
      `PARLEY_AUTH_INITIAL_ADMIN: "${initialAdmin}" is not a valid username (3 to 32 letters, digits, "_", "." or "-")`,
    );
  }

  const publicUrl = parseHttpUrl(read("PARLEY_PUBLIC_URL") ?? "http://localhost:8080");
  if (publicUrl === undefined) {
    problems.push(
      `PARLEY_PUBLIC_URL: expected an http(s) URL without query or fragment, got "${read("PARLEY_PUBLIC_URL")}"`,
    );
  }

  const smtpUrl = read("PARLEY_SMTP_URL");
  if (smtpUrl !== undefined && !isSmtpUrl(smtpUrl)) {
    problems.push("PARLEY_SMTP_URL: expected an smtp:// or smtps:// URL");
  }
  const mailFrom = read("PARLEY_MAIL_FROM") ?? "Parley <no-reply@parley.local>";
  if (!/@/.test(mailFrom) || /[\r\n]/.test(mailFrom)) {
    problems.push(`PARLEY_MAIL_FROM: expected an address such as "Parley <no-reply@example.com>"`);
  }

  const rateLimits: AuthRateLimits = {
    loginPerAccount: rate("PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT", "10/15m"),
    loginPerAddress: rate("PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS", "100/15m"),
    registerPerAddress: rate("PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS", "50/1h"),
    resetPerAddress: rate("PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS", "10/1h"),
    resetPerEmail: rate("PARLEY_AUTH_RESET_LIMIT_PER_EMAIL", "3/1h"),
  };

  if (problems.length > 0) throw new AuthConfigError(problems);
  return {
    dataDir: dataDir === ":memory:" ? dataDir : resolve(dataDir),
    accessTokenTtlMs,
    refreshTokenTtlMs,
    resetTokenTtlMs,
    keyRotationIntervalMs,
    initialAdminUsername: initialAdmin?.toLowerCase(),
    publicUrl: publicUrl ?? "",
    smtpUrl,
    mailFrom,
    rateLimits,
  };
}

function parseHttpUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    return undefined;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function isSmtpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** Everything the auth process needs: its own settings plus the mesh's (port, certs, policy). */
export interface AuthProcessConfig {
  readonly auth: AuthConfig;
  readonly mesh: MeshConfig;
  /**
   * Redis, where logged-out access tokens are recorded and announced so every service refuses
   * them (`PARLEY_REDIS_URL`, default: the discovery file's `redis`); unset: auth alone knows.
   */
  readonly redisUrl: string | undefined;
}

/** Reads the auth process's configuration (default port 8081). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AuthProcessConfig {
  // Every problem of every group is reported at once, in one AuthConfigError.
  const problems: string[] = [];
  const auth = collectProblems(problems, () => loadAuthConfig(env));
  let mesh: MeshConfig | undefined;
  try {
    mesh = parseMeshConfig(env, { port: 8081 });
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  // Auth calls no other service: of the client settings it needs only where Redis is.
  const redis = redisUrl(env, discoveryFromEnv(env, problems), problems);
  if (problems.length > 0 || !auth || !mesh) throw new AuthConfigError(problems);
  return { auth, mesh, redisUrl: redis };
}

/** The shared environment value syntax (re-exported: tests and tools parse with it too). */
export { parseDuration, parseRate, type RateRule } from "@parley/mesh";

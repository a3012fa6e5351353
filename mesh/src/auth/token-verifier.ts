import { importJWK, type JWK, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { AuthenticatedUser } from "../context.js";
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  type UserRole,
} from "./claims.js";

/** Verifies access tokens; resolves to the user or rejects with {@link InvalidTokenError}. */
export interface TokenVerifier {
  verify(token: string): Promise<AuthenticatedUser>;
}

/** A token that is malformed, wrongly signed, expired or denied. The reason is for logs only. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** Where public keys come from: auth in process, or auth's JWKS over the mesh. */
export type JwksSource = () => Promise<readonly JWK[]>;

export interface TokenVerifierOptions {
  /** Fetches the current JWKS. Called at first use and again when a token names an unknown `kid`. */
  readonly jwks: JwksSource;
  /** Tells whether a token id was logged out (auth's denylist). Optional in other services. */
  readonly isDenied?: (tokenId: string) => Promise<boolean>;
  /** Minimum time between two JWKS fetches triggered by unknown `kid`s (default 10 s). */
  readonly minRefreshIntervalMs?: number;
  /** How many verified tokens to remember until they expire (default 10,000; 0 disables). */
  readonly cacheSize?: number;
  /** Clock skew tolerated on `exp`/`iat`, in seconds (default 30). */
  readonly clockToleranceSec?: number;
  readonly now?: () => number;
}

/**
 * Verifies Parley access tokens locally, never calling auth per request: public keys are cached
 * by `kid` and refetched only when a token names a key the cache does not know (key rotation).
 * A token whose signature checked out is remembered until it expires, so a client's next calls
 * skip the Ed25519 verification; the denylist (logout) is still consulted on every call.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const minRefresh = options.minRefreshIntervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  let keys = new Map<string, CryptoKey | Uint8Array>();
  let lastFetch = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    inflight ??= (async () => {
      try {
        const next = new Map<string, CryptoKey | Uint8Array>();
        for (const jwk of await options.jwks()) {
          if (jwk.kid) next.set(jwk.kid, await importJWK(jwk, ACCESS_TOKEN_ALGORITHM));
        }
        keys = next;
        lastFetch = now();
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  async function keyFor(kid: unknown): Promise<CryptoKey | Uint8Array> {
    // The header is the caller's JSON: `kid` may be any value, e.g. an object whose `toString`
    // is not a function, which would throw a TypeError where a message interpolates it.
    if (typeof kid !== "string" || kid === "") throw new InvalidTokenError("token has no kid");
    const known = keys.get(kid);
    if (known) return known;
    if (now() - lastFetch >= minRefresh) await refresh();
    const fetched = keys.get(kid);
    if (!fetched) throw new InvalidTokenError(`unknown signing key ${kid}`);
    return fetched;
  }

  const cacheSize = options.cacheSize ?? 10_000;
  const verified = new Map<string, AuthenticatedUser>();
  const remember = (token: string, user: AuthenticatedUser) => {
    if (cacheSize === 0) return;
    if (verified.size >= cacheSize) {
      for (const [key, entry] of verified) {
        if (entry.expiresAt.getTime() <= now() || verified.size >= cacheSize) verified.delete(key);
        if (verified.size < cacheSize * 0.9) break;
      }
    }
    verified.set(token, user);
  };
  const tolerance = (options.clockToleranceSec ?? 30) * 1000;

  async function checkDenied(user: AuthenticatedUser): Promise<AuthenticatedUser> {
    if (options.isDenied && (await options.isDenied(user.tokenId))) {
      throw new InvalidTokenError("token was logged out");
    }
    return user;
  }

  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached) {
        if (cached.expiresAt.getTime() + tolerance > now()) return checkDenied(cached);
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, (header) => keyFor(header.kid), {
          issuer: ACCESS_TOKEN_ISSUER,
          audience: ACCESS_TOKEN_AUDIENCE,
          algorithms: [ACCESS_TOKEN_ALGORITHM],
          clockTolerance: options.clockToleranceSec ?? 30,
          currentDate: new Date(now()),
        }));
      } catch (err) {
        if (err instanceof InvalidTokenError) throw err;
        if (err instanceof joseErrors.JOSEError)
          throw new InvalidTokenError(err.code, { cause: err });
        throw err;
      }
      const { sub, jti, exp, role } = payload;
      if (!sub || !jti || !exp || (role !== "member" && role !== "admin")) {
        throw new InvalidTokenError("token lacks required claims");
      }
      const user = {
        id: sub,
        role: role as UserRole,
        tokenId: jti,
        expiresAt: new Date(exp * 1000),
      };
      await checkDenied(user);
      remember(token, user);
      return user;
    },
  };
}

import { randomUUID } from "node:crypto";
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  type UserRole,
} from "@parley/mesh";
import { jwtVerify, SignJWT } from "jose";
import type { Clock, DeniedTokenStore, Logger } from "./ports.js";
import { CLOCK_SKEW_ALLOWANCE_MS, type SigningKeyRing } from "./signing-keys.js";

/** A freshly signed access token. */
export interface IssuedAccessToken {
  readonly token: string;
  /** The token's `jti`. */
  readonly tokenId: string;
  /** `exp` in milliseconds. */
  readonly expiresAt: number;
}

/** What a valid access token says. */
export interface AccessTokenInfo {
  readonly userId: string;
  readonly role: UserRole;
  readonly tokenId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface AccessTokensOptions {
  readonly keys: SigningKeyRing;
  readonly denied: DeniedTokenStore;
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly logger?: Logger | undefined;
}

/**
 * Signs and checks Parley access tokens (claims as in the mesh's `auth/claims.ts`) and keeps the
 * denylist of logged-out ones. Other services verify tokens themselves from the JWKS; this
 * verifier backs IntrospectToken and auth's own denylist hook.
 */
export class AccessTokens {
  private readonly keys: SigningKeyRing;
  private readonly denied: DeniedTokenStore;
  private readonly clock: Clock;
  private readonly ttlSeconds: number;
  private readonly logger: Logger | undefined;

  constructor(options: AccessTokensOptions) {
    this.keys = options.keys;
    this.denied = options.denied;
    this.clock = options.clock;
    this.ttlSeconds = Math.floor(options.ttlMs / 1000);
    if (this.ttlSeconds < 1) throw new RangeError("access token TTL must be at least 1 s");
    this.logger = options.logger;
  }

  /** Signs a token for `user` with the current key (rotating it first when due). */
  async issue(user: { readonly id: string; readonly role: UserRole }): Promise<IssuedAccessToken> {
    const { kid, key } = await this.keys.signingKey();
    const tokenId = randomUUID();
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const token = await new SignJWT({ role: user.role })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid, typ: "JWT" })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(user.id)
      .setJti(tokenId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(key);
    return { token, tokenId, expiresAt: expiresAt * 1000 };
  }

  /**
   * The token's claims when it is signed by a key auth still publishes, names the right issuer
   * and audience, has not expired and was not logged out; undefined otherwise (the reason goes to
   * debug logs only, never to the caller).
   */
  async verify(token: string): Promise<AccessTokenInfo | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.keys.verificationKey(header.kid) : undefined;
          if (!key) throw new Error("unknown or missing kid");
          return key;
        },
        {
          issuer: ACCESS_TOKEN_ISSUER,
          audience: ACCESS_TOKEN_AUDIENCE,
          algorithms: [ACCESS_TOKEN_ALGORITHM],
          typ: "JWT",
          requiredClaims: ["sub", "jti", "iat", "exp"],
          currentDate: new Date(this.clock.now()),
        },
      ));
    } catch (err) {
      this.logger?.debug({ reason: reasonOf(err) }, "access token rejected");
      return undefined;
    }
    const { sub, jti, iat, exp, role } = payload;
    if (
      typeof sub !== "string" ||
      typeof jti !== "string" ||
      typeof iat !== "number" ||
      typeof exp !== "number" ||
      (role !== "member" && role !== "admin")
    ) {
      this.logger?.debug({ reason: "malformed claims" }, "access token rejected");
      return undefined;
    }
    if (await this.isDenied(jti)) return undefined;
    return { userId: sub, role, tokenId: jti, issuedAt: iat * 1000, expiresAt: exp * 1000 };
  }

  /** Denies a token id until it would have expired anyway (plus clock skew). */
  async deny(tokenId: string, expiresAt: number): Promise<void> {
    await this.denied.deny(tokenId, expiresAt + CLOCK_SKEW_ALLOWANCE_MS);
  }

  /** Whether a token id was logged out: the mesh's denylist hook. */
  isDenied(tokenId: string): Promise<boolean> {
    return this.denied.isDenied(tokenId, this.clock.now());
  }
}

function reasonOf(err: unknown): string {
  if (err && typeof err === "object" && "code" in err && typeof err.code === "string") {
    return err.code;
  }
  return err instanceof Error ? err.message : "unknown";
}

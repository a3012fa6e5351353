import { randomUUID } from "node:crypto";
import type { Clock, RefreshTokenStore } from "./ports.js";
import { hashSecretToken, newSecretToken } from "./secret-tokens.js";

/** A refresh token to hand to the client, and when it expires unused. */
export interface IssuedRefreshToken {
  readonly token: string;
  readonly familyId: string;
  readonly expiresAt: number;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly userId: string; readonly next: IssuedRefreshToken }
  | {
      readonly ok: false;
      readonly reason: "unknown" | "expired" | "revoked";
    }
  | {
      readonly ok: false;
      /** A rotated token came back: the family is revoked, someone may have stolen it. */
      readonly reason: "reused";
      readonly userId: string;
      readonly familyId: string;
    };

export interface RefreshTokensOptions {
  readonly store: RefreshTokenStore;
  readonly clock: Clock;
  readonly ttlMs: number;
}

/**
 * Opaque, single-use refresh tokens in families (one family per sign-in).
 *
 * Rotation on every use limits a stolen token's value to one exchange, and presenting a token that
 * was already exchanged reveals that two parties hold the family, so the whole family is revoked:
 * the thief and the victim both have to sign in again, and only the victim can. Only SHA-256
 * hashes are stored.
 */
export class RefreshTokens {
  private readonly store: RefreshTokenStore;
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(options: RefreshTokensOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs;
  }

  /** Starts a new family for a sign-in. */
  async start(userId: string): Promise<IssuedRefreshToken> {
    const token = newSecretToken();
    const familyId = randomUUID();
    const now = this.clock.now();
    const expiresAt = now + this.ttlMs;
    await this.store.startFamily({
      tokenHash: hashSecretToken(token),
      familyId,
      userId,
      createdAt: now,
      expiresAt,
    });
    return { token, familyId, expiresAt };
  }

  /** Exchanges a token for the next one in its family (atomically; see the store's contract). */
  async rotate(presented: string): Promise<RefreshOutcome> {
    const token = newSecretToken();
    const now = this.clock.now();
    const expiresAt = now + this.ttlMs;
    const outcome = await this.store.rotate(
      hashSecretToken(presented),
      { tokenHash: hashSecretToken(token), createdAt: now, expiresAt },
      now,
    );
    switch (outcome.kind) {
      case "rotated":
        return {
          ok: true,
          userId: outcome.userId,
          next: { token, familyId: outcome.familyId, expiresAt },
        };
      case "reused":
        return { ok: false, reason: "reused", userId: outcome.userId, familyId: outcome.familyId };
      default:
        return { ok: false, reason: outcome.kind };
    }
  }

  /** Ends the sign-in the token belongs to; undefined when the token is unknown. */
  revokeFamilyOf(
    presented: string,
  ): Promise<{ readonly userId: string; readonly familyId: string } | undefined> {
    return this.store.revokeFamilyOf(hashSecretToken(presented), this.clock.now());
  }

  /** Ends every sign-in of the account. */
  revokeAllForUser(userId: string): Promise<number> {
    return this.store.revokeAllForUser(userId, this.clock.now());
  }
}

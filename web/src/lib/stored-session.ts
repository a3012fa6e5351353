import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Session } from "@parley/gen/parley/auth/v1/token_pb.js";

/** The signed-in person, as the app needs it before any RPC answers. */
export interface SessionUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
}

/**
 * A session as the browser keeps it: plain JSON (so it survives a reload in `localStorage`) with
 * expiry times on the browser's own clock (see {@link toStoredSession}).
 */
export interface StoredSession {
  readonly accessToken: string;
  /** Epoch ms, browser clock. */
  readonly accessTokenExpiresAt: number;
  readonly refreshToken: string;
  /** Epoch ms, browser clock. */
  readonly refreshTokenExpiresAt: number;
  readonly user: SessionUser;
}

/**
 * Converts a Register/Login/Refresh answer. Expiry times are moved onto the browser's clock:
 * the access token's lifetime (`exp - iat` from the JWT) is counted from `receivedAt`, so a
 * browser whose clock is minutes off neither refreshes on every call nor sends expired tokens.
 */
export function toStoredSession(session: Session, receivedAt: number): StoredSession {
  const serverAccessExpiry = session.accessTokenExpiresAt
    ? timestampMs(session.accessTokenExpiresAt)
    : receivedAt;
  const lifetime = tokenLifetimeMs(session.accessToken);
  const skew = lifetime === undefined ? 0 : receivedAt + lifetime - serverAccessExpiry;
  const refreshExpiry = session.refreshTokenExpiresAt
    ? timestampMs(session.refreshTokenExpiresAt)
    : receivedAt;
  return {
    accessToken: session.accessToken,
    accessTokenExpiresAt: serverAccessExpiry + skew,
    refreshToken: session.refreshToken,
    refreshTokenExpiresAt: refreshExpiry + skew,
    user: {
      id: session.user?.id ?? "",
      username: session.user?.username ?? "",
      displayName: session.user?.displayName || session.user?.username || "",
    },
  };
}

/** `exp - iat` of a JWT in ms, or undefined when the token does not say. */
export function tokenLifetimeMs(jwt: string): number | undefined {
  const payload = jwt.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat !== "number" || typeof claims.exp !== "number") return undefined;
    if (claims.exp <= claims.iat) return undefined;
    return (claims.exp - claims.iat) * 1000;
  } catch {
    return undefined;
  }
}

/** Reads a stored session back, or null when the text is missing or not one (never throws). */
export function parseStoredSession(text: string | null): StoredSession | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<StoredSession>;
    const user = value.user as Partial<SessionUser> | undefined;
    if (
      typeof value.accessToken !== "string" ||
      typeof value.refreshToken !== "string" ||
      typeof value.accessTokenExpiresAt !== "number" ||
      typeof value.refreshTokenExpiresAt !== "number" ||
      typeof user?.id !== "string" ||
      typeof user.username !== "string" ||
      typeof user.displayName !== "string"
    ) {
      return null;
    }
    return value as StoredSession;
  } catch {
    return null;
  }
}

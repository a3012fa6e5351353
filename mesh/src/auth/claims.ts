/**
 * The shape of Parley access tokens, shared by auth (which signs them) and every service (which
 * verifies them locally against auth's JWKS).
 *
 * Header: `{ alg: "EdDSA", kid, typ: "JWT" }`. Claims: `iss`, `aud`, `sub` (user id), `role`,
 * `jti` (unique token id, used to deny a logged-out token), `iat`, `exp`.
 */
export const ACCESS_TOKEN_ISSUER = "parley-auth";
export const ACCESS_TOKEN_AUDIENCE = "parley";
export const ACCESS_TOKEN_ALGORITHM = "EdDSA";

export type UserRole = "member" | "admin";

export interface AccessTokenClaims {
  readonly sub: string;
  readonly role: UserRole;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

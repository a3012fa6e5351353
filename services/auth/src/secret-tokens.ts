import { createHash, randomBytes } from "node:crypto";

/**
 * A new bearer secret (refresh or reset token): 32 random bytes, base64url (43 characters).
 * 256 bits cannot be guessed, so lookups need no rate limit and no constant-time compare.
 */
export function newSecretToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * What the database keeps instead of a bearer secret: its SHA-256, hex. A leaked database then
 * holds nothing that can be presented back. A fast hash suffices because the input is random.
 */
export function hashSecretToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

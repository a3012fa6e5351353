import { createHash } from "node:crypto";

const VERSION = 1;
const MAX_TOKEN_LENGTH = 512;

/** A page token's position: plain strings and integers, as the listing's keyset needs. */
export type PagePosition = readonly (string | number)[];

function scopeTag(scope: string): string {
  return createHash("sha256").update(scope).digest("base64url").slice(0, 12);
}

/**
 * Encodes a listing position as an opaque page token, bound to the listing it came from (the
 * `scope`: which listing, for whom and with which filters), so a token replayed against another
 * listing, another caller or other filters is refused instead of silently skipping rows. Opaque
 * so clients cannot come to depend on its contents; versioned so a later format can refuse
 * today's tokens cleanly. Shared by every service that pages with keysets.
 */
export function encodePageToken(scope: string, position: PagePosition): string {
  return Buffer.from(JSON.stringify([VERSION, scopeTag(scope), ...position]), "utf8").toString(
    "base64url",
  );
}

/**
 * Reads a page token back for the given listing; undefined for anything malformed, from another
 * listing, or whose position does not have the expected shape.
 */
export function decodePageToken(
  token: string,
  scope: string,
  shape: readonly ("string" | "number")[],
): PagePosition | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 2) return undefined;
  const [version, tag, ...position] = parsed as unknown[];
  if (version !== VERSION || tag !== scopeTag(scope)) return undefined;
  for (const [i, kind] of shape.entries()) {
    const value = position[i];
    if (kind === "number" && !(typeof value === "number" && Number.isSafeInteger(value))) {
      return undefined;
    }
    if (kind === "string" && !(typeof value === "string" && value.length <= 256)) return undefined;
  }
  return position as (string | number)[];
}

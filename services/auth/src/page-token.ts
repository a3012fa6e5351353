import type { UserCursor } from "./ports.js";

const VERSION = 1;
const MAX_ID_LENGTH = 64;

/**
 * Encodes a listing position as an opaque page token. Opaque so clients cannot come to depend on
 * its contents (the store may change how it pages); versioned so a future format can still read
 * today's tokens or reject them cleanly.
 */
export function encodePageToken(cursor: UserCursor): string {
  return Buffer.from(JSON.stringify([VERSION, cursor.createdAt, cursor.id]), "utf8").toString(
    "base64url",
  );
}

/** Reads a page token back; undefined for anything this service did not issue. */
export function decodePageToken(token: string): UserCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [version, createdAt, id] = parsed as unknown[];
  if (version !== VERSION) return undefined;
  if (typeof createdAt !== "number" || !Number.isSafeInteger(createdAt) || createdAt < 0) {
    return undefined;
  }
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) return undefined;
  return { createdAt, id };
}

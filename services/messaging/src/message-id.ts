import { randomUUID } from "node:crypto";

/**
 * A new message id: a UUIDv7 (RFC 9562), the Unix time in milliseconds in its first 48 bits and
 * 74 random bits after the version and variant.
 *
 * Why not a random (v4) UUID: the id is the key of the messages table's primary index, and every
 * send inserts one. Random keys land on a random page of that index each time, so each message
 * dirtied a page of its own, written to the WAL by its commit and again by the next checkpoint;
 * time-ordered keys land at the index's right edge, which the messages of one commit share.
 * Ids also sort by creation time, as clients and logs expect. They reveal that time, which every
 * message carries anyway (`created_at`).
 */
export function newMessageId(now: number = Date.now()): string {
  // A v4 UUID supplies the random bits and the variant: xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx.
  const random = randomUUID();
  const time = Math.max(0, Math.min(now, 0xffff_ffff_ffff)).toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

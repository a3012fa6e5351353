/**
 * The messages a person sent that the server has not confirmed yet, kept in the browser's storage
 * so that a reload, a crash or a browser restart does not lose them (docs/web.md, "Sending").
 * One entry per person, `parley.pending.<user id>`: what one person wrote is never shown to, or
 * sent by, someone else signing in on the same browser.
 */

/** A pending message as kept: all it takes to send it again under the same idempotency key. */
export interface KeptMessage {
  readonly key: string;
  readonly channelId: string;
  /** Empty for top-level messages. */
  readonly threadRootId: string;
  readonly text: string;
  /** Epoch ms, browser clock. */
  readonly createdAt: number;
  /** Set when the server refused it for good: why, in words (it stays failed after a reload). */
  readonly failed?: string;
}

/** Where the send queue keeps its pending messages. None of these throws. */
export interface PendingStore {
  /** What is kept, in the order it was written; anything invalid is left out. */
  load(): KeptMessage[];
  /** Keeps a message, or replaces the one with its key. Storage full or refused: not kept. */
  put(message: KeptMessage): void;
  /** Forgets one: the server confirmed it, or the person discarded it. */
  remove(key: string): void;
}

/** The part of `Storage` (localStorage) used here. */
export type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export function pendingStorageKey(userId: string): string {
  return `parley.pending.${userId}`;
}

const VERSION = 1;
/** SendMessageRequest.text is at most 4,000 characters, each at most two UTF-16 units. */
const MAX_TEXT = 8000;
const MAX_REASON = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The pending messages of `userId` in `storage` (localStorage in the app; asked for on every use,
 * since merely reading `window.localStorage` throws where storage is blocked). Every change reads
 * the entry, changes one message and writes it back, so two tabs of the same person do not erase
 * each other's messages. When storage is unavailable or full, the messages stay in the queue's
 * memory only.
 */
export function storagePendingStore(
  storage: () => KeyValueStorage | undefined,
  userId: string,
): PendingStore {
  const name = pendingStorageKey(userId);
  const read = (): KeptMessage[] => {
    try {
      return parseKept(storage()?.getItem(name) ?? null);
    } catch {
      return [];
    }
  };
  const write = (messages: readonly KeptMessage[]): void => {
    try {
      if (messages.length === 0) storage()?.removeItem(name);
      else storage()?.setItem(name, JSON.stringify({ version: VERSION, messages }));
    } catch {
      // QuotaExceededError, or storage refused: the queue still has the messages in memory.
    }
  };
  return {
    load: read,
    put(message) {
      const messages = read();
      const at = messages.findIndex((m) => m.key === message.key);
      const kept = copy(message);
      if (at >= 0) messages[at] = kept;
      else messages.push(kept);
      write(messages);
    },
    remove(key) {
      const messages = read();
      const rest = messages.filter((m) => m.key !== key);
      if (rest.length !== messages.length) write(rest);
    },
  };
}

/** The kept messages in `text`, leaving out whatever is not one (never throws). */
export function parseKept(text: string | null): KeptMessage[] {
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isRecord(value) || value.version !== VERSION || !Array.isArray(value.messages)) return [];
  const seen = new Set<string>();
  const messages: KeptMessage[] = [];
  for (const entry of value.messages) {
    const message = toKept(entry);
    if (!message || seen.has(message.key)) continue;
    seen.add(message.key);
    messages.push(message);
  }
  return messages;
}

function toKept(value: unknown): KeptMessage | undefined {
  if (!isRecord(value)) return undefined;
  const { key, channelId, threadRootId, text, createdAt, failed } = value;
  const valid =
    isUuid(key) &&
    isUuid(channelId) &&
    (threadRootId === "" || isUuid(threadRootId)) &&
    typeof text === "string" &&
    text.trim() !== "" &&
    text.length <= MAX_TEXT &&
    typeof createdAt === "number" &&
    Number.isFinite(createdAt) &&
    createdAt > 0 &&
    (failed === undefined || (typeof failed === "string" && failed.length <= MAX_REASON));
  return valid ? copy({ key, channelId, threadRootId, text, createdAt, failed }) : undefined;
}

/** Only the fields of a KeptMessage (the queue's items carry more). */
function copy(m: KeptMessage): KeptMessage {
  const { key, channelId, threadRootId, text, createdAt, failed } = m;
  return failed === undefined
    ? { key, channelId, threadRootId, text, createdAt }
    : { key, channelId, threadRootId, text, createdAt, failed };
}

function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

import type { KeyValueStorage } from "../../src/lib/pending-store.js";

/**
 * localStorage in memory, shared by the "pages" (or tabs) of a test; `full` makes setItem throw
 * as a full one does.
 */
export class MemoryStorage implements KeyValueStorage {
  readonly entries = new Map<string, string>();
  full = false;
  getItem(key: string) {
    return this.entries.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (this.full) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    this.entries.set(key, value);
  }
  removeItem(key: string) {
    this.entries.delete(key);
  }
}

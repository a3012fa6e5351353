import type { ChosenStatus, PresenceRecord, PresenceStore } from "../ports.js";

interface Entry {
  /** Connection id → when it expires unless refreshed. */
  readonly connections: Map<string, number>;
  heartbeatUntil: number;
  /** The status chosen with SetPresence during the current session. */
  chosen: ChosenStatus;
  lastSeenAt: number;
}

/**
 * {@link PresenceStore} in this process's memory, for the single-process mode (one instance sees
 * every stream). Expired connections are swept on access, so no timer is needed.
 */
export class MemoryPresenceStore implements PresenceStore {
  readonly #entries = new Map<string, Entry>();

  async touchConnection(
    userId: string,
    connectionId: string,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    const entry = this.#session(userId, now);
    entry.connections.set(connectionId, expiresAt);
    entry.lastSeenAt = now;
  }

  async dropConnection(userId: string, connectionId: string, now: number): Promise<void> {
    const entry = this.#entries.get(userId);
    if (!entry) return;
    if (entry.connections.delete(connectionId)) entry.lastSeenAt = now;
  }

  async heartbeat(
    userId: string,
    status: ChosenStatus,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    const entry = this.#session(userId, now);
    entry.chosen = status;
    entry.heartbeatUntil = Math.max(entry.heartbeatUntil, expiresAt);
    entry.lastSeenAt = now;
  }

  async read(userIds: readonly string[], now: number): Promise<Map<string, PresenceRecord>> {
    const result = new Map<string, PresenceRecord>();
    for (const userId of userIds) {
      const entry = this.#entries.get(userId);
      if (!entry) continue;
      result.set(
        userId,
        present(entry, now)
          ? { userId, status: entry.chosen, lastSeenAt: now }
          : { userId, status: "offline", lastSeenAt: entry.lastSeenAt },
      );
    }
    return result;
  }

  /** The user's entry; a new session (chosen status back to online) when they were not present. */
  #session(userId: string, now: number): Entry {
    let entry = this.#entries.get(userId);
    if (!entry) {
      entry = { connections: new Map(), heartbeatUntil: 0, chosen: "online", lastSeenAt: now };
      this.#entries.set(userId, entry);
    } else if (!present(entry, now)) {
      entry.chosen = "online";
    }
    return entry;
  }
}

function present(entry: Entry, now: number): boolean {
  if (entry.heartbeatUntil > now) return true;
  for (const [id, expiresAt] of entry.connections) {
    if (expiresAt > now) return true;
    entry.connections.delete(id);
  }
  return false;
}

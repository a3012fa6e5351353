import type { SessionStore } from "../../src/lib/session-manager.js";
import type { StoredSession } from "../../src/lib/stored-session.js";

export const MIN = 60_000;

/** Session number `n` (tokens `access-<n>`, `refresh-<n>`) as signed in at `now`. */
export function stored(n: number, now: number): StoredSession {
  return {
    accessToken: `access-${n}`,
    accessTokenExpiresAt: now + 15 * MIN,
    refreshToken: `refresh-${n}`,
    refreshTokenExpiresAt: now + 30 * 24 * 60 * MIN,
    user: { id: "u1", username: "ada", displayName: "Ada" },
  };
}

/** A session store in memory; one instance can be shared by "tabs" (as localStorage is). */
export class MemoryStore implements SessionStore {
  value: StoredSession | null = null;
  load() {
    return this.value;
  }
  save(s: StoredSession | null) {
    this.value = s;
  }
}

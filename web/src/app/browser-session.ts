import type { SessionStore } from "../lib/session-manager.js";
import { parseStoredSession, type StoredSession } from "../lib/stored-session.js";

/** The localStorage entry holding the session (see docs/web.md for why localStorage). */
export const SESSION_KEY = "parley.session";

/** The session in localStorage: survives reloads, shared by the tabs of this origin. */
export function localSessionStore(storage: Storage = window.localStorage): SessionStore {
  return {
    load: () => parseStoredSession(storage.getItem(SESSION_KEY)),
    save(session: StoredSession | null) {
      if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
      else storage.removeItem(SESSION_KEY);
    },
  };
}

/**
 * Runs a refresh while holding a Web Lock shared by every tab of the origin, so two tabs never
 * spend the same single-use refresh token. Without Web Locks (very old browsers) it just runs.
 */
export function webLock(name: string) {
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) return fn();
    return locks.request(name, fn) as Promise<T>;
  };
}

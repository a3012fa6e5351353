import { Code, ConnectError } from "@connectrpc/connect";
import type { SessionUser, StoredSession } from "./stored-session.js";

/** Where the session lives between page loads (localStorage in the app, memory in tests). */
export interface SessionStore {
  load(): StoredSession | null;
  save(session: StoredSession | null): void;
}

/** What the app shows: signed in, or the sign-in screen (and why). */
export type SessionState =
  | { readonly status: "signed-in"; readonly session: StoredSession }
  | { readonly status: "signed-out"; readonly reason: SignedOutReason };

/**
 * `none`: never signed in here. `signed-out`: the person signed out (here or in another tab).
 * `expired`: the refresh token stopped working; the sign-in screen says so.
 * `password-changed`: a password reset ended every session; the sign-in screen says so.
 */
export type SignedOutReason = "none" | "signed-out" | "expired" | "password-changed";

/** What callers that need a token get once the session ended. */
export const SESSION_ENDED_MESSAGE = "Your session expired, please sign in again";

/**
 * The error for "no session any more": an `unauthenticated` ConnectError (not a subclass:
 * connect-es recognises only ConnectError's own instances and would turn a subclass into
 * `unknown`).
 */
export function sessionEndedError(): ConnectError {
  return new ConnectError(SESSION_ENDED_MESSAGE, Code.Unauthenticated);
}

export interface SessionManagerDeps {
  readonly store: SessionStore;
  /** Calls AuthService.Refresh; rejects with the RPC's error. */
  refresh(refreshToken: string): Promise<StoredSession>;
  /** Epoch ms. */
  now?(): number;
  /**
   * Runs `fn` while no other tab of this origin runs its own (Web Locks in the app). Refresh
   * tokens are single use and reuse revokes the whole family, so two tabs must never spend the
   * same one: the second tab waits, then finds the first one's new session in the store.
   */
  exclusive?<T>(fn: () => Promise<T>): Promise<T>;
  /** Refresh this long before the access token expires. */
  readonly refreshAheadMs?: number;
}

type Listener = (state: SessionState) => void;

/**
 * Owns the session: hands out access tokens, refreshes them before they expire (one refresh at a
 * time, whoever asks), rotates the refresh token, and ends the session when auth refuses the
 * refresh token. React reads it through `subscribe`/`state`; the auth interceptor through
 * `accessToken`/`refresh`.
 */
export class SessionManager {
  readonly #deps: SessionManagerDeps;
  readonly #listeners = new Set<Listener>();
  #state: SessionState;
  #inflight: Promise<string> | undefined;

  constructor(deps: SessionManagerDeps) {
    this.#deps = deps;
    const stored = deps.store.load();
    this.#state =
      stored && stored.refreshTokenExpiresAt > this.#now()
        ? { status: "signed-in", session: stored }
        : { status: "signed-out", reason: "none" };
  }

  get state(): SessionState {
    return this.#state;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts a session from Register or Login. */
  signIn(session: StoredSession): void {
    this.#deps.store.save(session);
    this.#set({ status: "signed-in", session });
  }

  /** Ends the session locally (the caller tells auth with Logout first, when it can). */
  signOut(reason: SignedOutReason = "signed-out"): void {
    this.#deps.store.save(null);
    if (this.#state.status === "signed-out" && this.#state.reason === reason) return;
    this.#set({ status: "signed-out", reason });
  }

  /** Updates the cached profile (after UpdateProfile) without touching the tokens. */
  updateUser(user: SessionUser): void {
    if (this.#state.status !== "signed-in") return;
    this.signIn({ ...this.#state.session, user });
  }

  /**
   * Another tab changed the stored session (the `storage` event): follow it, so signing out in
   * one tab signs out all of them and a refresh in one is not repeated in another.
   */
  syncFromStore(): void {
    const stored = this.#deps.store.load();
    if (stored) {
      if (this.#state.status !== "signed-in" || this.#state.session !== stored) {
        this.#set({ status: "signed-in", session: stored });
      }
    } else if (this.#state.status === "signed-in") {
      this.#set({ status: "signed-out", reason: "signed-out" });
    }
  }

  /** A usable access token: the current one, or a fresh one when it is about to expire. */
  async accessToken(): Promise<string> {
    if (this.#state.status !== "signed-in") throw sessionEndedError();
    const { session } = this.#state;
    if (session.accessTokenExpiresAt - this.#now() > this.#refreshAhead()) {
      return session.accessToken;
    }
    return this.refresh(session.accessToken);
  }

  /**
   * Gets a new access token, because `staleToken` is about to expire or the server refused it.
   * Concurrent callers share one refresh. When auth refuses the refresh token the session ends
   * with reason `expired` and this rejects with {@link sessionEndedError}; any other failure (the
   * network) rejects with that error and keeps the session, to try again later.
   */
  refresh(staleToken?: string): Promise<string> {
    this.#inflight ??= this.#refreshOnce(staleToken).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #refreshOnce(staleToken: string | undefined): Promise<string> {
    const exclusive = this.#deps.exclusive ?? ((fn) => fn());
    return exclusive(async () => {
      const stored = this.#deps.store.load();
      if (!stored) {
        // Signed out meanwhile (in another tab).
        if (this.#state.status === "signed-in")
          this.#set({ status: "signed-out", reason: "signed-out" });
        throw sessionEndedError();
      }
      const renewedElsewhere =
        stored.accessToken !== staleToken &&
        stored.accessTokenExpiresAt - this.#now() > this.#refreshAhead();
      if (renewedElsewhere) {
        this.#set({ status: "signed-in", session: stored });
        return stored.accessToken;
      }
      let next: StoredSession;
      try {
        next = await this.#deps.refresh(stored.refreshToken);
      } catch (err) {
        if (isRefusal(err)) {
          this.signOut("expired");
          throw sessionEndedError();
        }
        throw err;
      }
      this.signIn(next);
      return next.accessToken;
    });
  }

  #set(state: SessionState): void {
    this.#state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  #refreshAhead(): number {
    return this.#deps.refreshAheadMs ?? 60_000;
  }
}

/** Auth said no to the refresh token itself (as opposed to the network failing). */
function isRefusal(err: unknown): boolean {
  const code = ConnectError.from(err).code;
  return code === Code.Unauthenticated || code === Code.InvalidArgument;
}

import type { User } from "@parley/gen/parley/auth/v1/user_pb.js";

/** LookupUsers accepts at most this many ids per call. */
const MAX_IDS = 100;

/**
 * Resolves user ids to accounts with as few LookupUsers calls as possible: every id asked for in
 * the same tick (a page of messages renders dozens of authors at once) goes into one call of up
 * to 100 ids. Unknown ids resolve to undefined. Results are not cached here: TanStack Query
 * caches them per user.
 */
export class UserDirectory {
  readonly #lookup: (ids: string[]) => Promise<User[]>;
  readonly #schedule: (fn: () => void) => void;
  #batch = new Map<
    string,
    { resolve: (u: User | undefined) => void; reject: (e: unknown) => void }[]
  >();
  #scheduled = false;

  constructor(
    lookup: (ids: string[]) => Promise<User[]>,
    schedule: (fn: () => void) => void = (fn) => queueMicrotask(fn),
  ) {
    this.#lookup = lookup;
    this.#schedule = schedule;
  }

  load(id: string): Promise<User | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.#batch.get(id) ?? [];
      waiting.push({ resolve, reject });
      this.#batch.set(id, waiting);
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#schedule(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = new Map();
    this.#scheduled = false;
    const ids = [...batch.keys()];
    for (let i = 0; i < ids.length; i += MAX_IDS) {
      const chunk = ids.slice(i, i + MAX_IDS);
      this.#lookup(chunk).then(
        (users) => {
          const byId = new Map(users.map((u) => [u.id, u]));
          for (const id of chunk) for (const w of batch.get(id) ?? []) w.resolve(byId.get(id));
        },
        (err: unknown) => {
          for (const id of chunk) for (const w of batch.get(id) ?? []) w.reject(err);
        },
      );
    }
  }
}

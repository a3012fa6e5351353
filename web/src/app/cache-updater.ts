import type { QueryClient, QueryKey } from "@tanstack/react-query";

type Change = (data: unknown) => unknown;

/**
 * Applies live events to cached query data without losing any to a fetch in flight. A fetch
 * started before an event answers with data that may not include it, and an infinite query
 * builds its result from the pages it had when the fetch began; either way the event would be
 * overwritten. So a change made while the query is fetching is applied now (the screen updates
 * at once) and again to the fetch's result. Changes are reducers over absolute state, so
 * applying one twice is harmless.
 */
export class CacheUpdater {
  readonly #client: QueryClient;
  readonly #deferred = new Map<string, Change[]>();
  readonly #unsubscribe: () => void;

  constructor(client: QueryClient) {
    this.#client = client;
    this.#unsubscribe = client.getQueryCache().subscribe((event) => {
      if (event.type !== "updated") return;
      const { action } = event;
      const hash = event.query.queryHash;
      if (action.type === "error") this.#deferred.delete(hash);
      if (action.type !== "success" || action.manual) return;
      const changes = this.#deferred.get(hash);
      if (!changes) return;
      this.#deferred.delete(hash);
      const key = event.query.queryKey;
      // Not inside the cache's own notification: apply right after it.
      queueMicrotask(() => {
        for (const change of changes) this.#set(key, change);
      });
    });
  }

  /** Changes the data of the query with exactly this key, if it is cached. */
  update<T>(key: QueryKey, change: (data: T) => T): void {
    const query = this.#client.getQueryCache().find({ queryKey: key, exact: true });
    if (!query) return;
    const fn = change as Change;
    if (query.state.fetchStatus === "fetching") {
      const list = this.#deferred.get(query.queryHash) ?? [];
      list.push(fn);
      this.#deferred.set(query.queryHash, list);
    }
    if (query.state.data !== undefined) this.#set(key, fn);
  }

  dispose(): void {
    this.#unsubscribe();
    this.#deferred.clear();
  }

  #set(key: QueryKey, change: Change): void {
    this.#client.setQueryData(key, (data: unknown) => (data === undefined ? data : change(data)));
  }
}

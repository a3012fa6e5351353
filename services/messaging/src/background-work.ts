/**
 * Work a handler starts after it has answered (the notifications a call causes): tracked, so that
 * whoever needs to can wait for what has been started so far to be done.
 */
export class BackgroundWork {
  readonly #running = new Set<Promise<void>>();

  /** Tracks `work` until it settles. It must handle its own failures. */
  add(work: Promise<void>): void {
    const tracked = work.finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  /** Resolves once the work started so far, and any it started meanwhile, has settled. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}

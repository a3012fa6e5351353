import { HealthCheckResponse_ServingStatus as Status } from "@parley/gen/grpc/health/v1/health_pb.js";

export { Status as ServingStatus };

/**
 * The serving status of this process ("" = the whole server) and of each service it hosts, as
 * `grpc.health.v1` reports it. Shutdown flips everything to NOT_SERVING first, so load balancers
 * and Envoy's active health checks stop sending new work before the drain.
 */
export class HealthRegistry {
  readonly #status = new Map<string, Status>();
  readonly #watchers = new Set<(service: string, status: Status) => void>();

  constructor(services: readonly string[] = []) {
    this.#status.set("", Status.SERVING);
    for (const s of services) this.#status.set(s, Status.SERVING);
  }

  /** The status, or undefined for a service this process does not host. */
  get(service: string): Status | undefined {
    return this.#status.get(service);
  }

  all(): ReadonlyMap<string, Status> {
    return this.#status;
  }

  set(service: string, status: Status): void {
    if (this.#status.get(service) === status) return;
    this.#status.set(service, status);
    for (const watcher of this.#watchers) watcher(service, status);
  }

  /** Marks every hosted service NOT_SERVING (start of shutdown). */
  setAllNotServing(): void {
    for (const service of [...this.#status.keys()]) this.set(service, Status.NOT_SERVING);
  }

  /** Calls `listener` on every change until the returned function is called. */
  onChange(listener: (service: string, status: Status) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }
}

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import type { HealthRegistry } from "./health-registry.js";

/** `grpc.health.v1.Health` over a {@link HealthRegistry}: Check, Watch and List. */
export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = registry.get(req.service);
      if (status === undefined) {
        throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      }
      return create(HealthCheckResponseSchema, { status });
    },
    async *watch(req, ctx) {
      const queue: Status[] = [registry.get(req.service) ?? Status.SERVICE_UNKNOWN];
      let wake: (() => void) | undefined;
      const stop = registry.onChange((service, status) => {
        if (service !== req.service) return;
        queue.push(status);
        wake?.();
      });
      const aborted = new Promise<void>((resolve) => {
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      try {
        for (;;) {
          const status = queue.shift();
          if (status !== undefined) {
            yield create(HealthCheckResponseSchema, { status });
            continue;
          }
          if (ctx.signal.aborted) return;
          await Promise.race([
            new Promise<void>((resolve) => {
              wake = resolve;
            }),
            aborted,
          ]);
        }
      } finally {
        stop();
      }
    },
    list() {
      const statuses: Record<string, { status: Status }> = {};
      for (const [service, status] of registry.all()) statuses[service] = { status };
      return create(HealthListResponseSchema, { statuses });
    },
  };
}

export { Health };

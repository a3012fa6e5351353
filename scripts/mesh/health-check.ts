import { createClient } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import { connectTo, type MeshTls } from "@parley/mesh";

/**
 * Asks an instance's `grpc.health.v1.Health/Check` (the whole server, service "") over mTLS
 * until it answers SERVING, as Envoy's active health checks and Kubernetes probes would.
 * Rejects after `timeoutMs`, or as soon as `gaveUp()` says the process is gone.
 */
export async function waitUntilServing(
  url: string,
  tls: MeshTls,
  options: { readonly timeoutMs: number; readonly gaveUp?: () => string | undefined },
): Promise<void> {
  const transport = connectTo({
    baseUrl: url,
    tls,
    defaultTimeoutMs: 2_000,
    connectTimeoutMs: 1_000,
    retry: { maxAttempts: 1 },
    breaker: false,
  });
  const health = createClient(Health, transport);
  const deadline = Date.now() + options.timeoutMs;
  let last = "no answer yet";
  try {
    for (;;) {
      const gone = options.gaveUp?.();
      if (gone) throw new Error(gone);
      try {
        const res = await health.check({ service: "" });
        if (res.status === ServingStatus.SERVING) return;
        last = `status ${ServingStatus[res.status]}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) {
        throw new Error(`${url} did not report SERVING within ${options.timeoutMs} ms (${last})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    transport.close();
  }
}

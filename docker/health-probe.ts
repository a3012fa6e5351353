/**
 * The container healthcheck of every Parley service: one `grpc.health.v1.Health/Check` against
 * the service's own port, over mTLS with the service's own certificate (Health is public in
 * mesh/policy.yaml, so any mesh identity may ask), exit 0 when SERVING and 1 otherwise. The
 * same check Envoy's active health checks and Kubernetes' gRPC probes make, so a container is
 * "healthy" exactly when the edge would send it traffic.
 *
 *   node --import tsx docker/health-probe.ts --port 8443 --certs /certs --identity messaging
 *     [--host 127.0.0.1] [--service parley.messaging.v1.MessagingService] [--timeout 3000]
 *
 * Without --certs it speaks h2c (the single-process mode). It reads only its arguments, so the
 * compose file and Dockerfile state every value it uses. Deliberately small: it loads
 * connect-node and the generated Health descriptor, not the mesh runtime, to start fast.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@parley/gen/grpc/health/v1/health_pb.js";

/** What to probe. */
export interface ProbeOptions {
  readonly host: string;
  readonly port: number;
  /** Directory laid out like `npm run certs` output; unset: plaintext h2c. */
  readonly certsDir?: string | undefined;
  /** The mesh identity whose certificate the probe presents (`<identity>.pem/.key`). */
  readonly identity?: string | undefined;
  /** Service name to ask about; "" (default) is the whole server. */
  readonly service: string;
  readonly timeoutMs: number;
}

/** The probe's verdict: healthy only when the server answers SERVING. */
export interface ProbeResult {
  readonly healthy: boolean;
  readonly detail: string;
}

/** Asks the server once; never throws (every failure is an unhealthy result with its reason). */
export async function probeHealth(options: ProbeOptions): Promise<ProbeResult> {
  try {
    let nodeOptions = {};
    if (options.certsDir !== undefined) {
      if (!options.identity) return { healthy: false, detail: "--certs needs --identity" };
      const [ca, cert, key] = await Promise.all(
        ["ca.pem", `${options.identity}.pem`, `${options.identity}.key`].map((file) =>
          readFile(join(options.certsDir as string, file), "utf8"),
        ),
      );
      nodeOptions = { ca, cert, key };
    }
    const scheme = options.certsDir === undefined ? "http" : "https";
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    const transport = createGrpcTransport({
      baseUrl: `${scheme}://${host}:${options.port}`,
      defaultTimeoutMs: options.timeoutMs,
      nodeOptions,
    });
    const response = await createClient(Health, transport).check({ service: options.service });
    const status = ServingStatus[response.status] ?? String(response.status);
    return { healthy: response.status === ServingStatus.SERVING, detail: status };
  } catch (error) {
    const err = ConnectError.from(error);
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    return { healthy: false, detail: `${Code[err.code]}: ${err.rawMessage}${cause}` };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string" },
      certs: { type: "string" },
      identity: { type: "string" },
      service: { type: "string", default: "" },
      timeout: { type: "string", default: "3000" },
    },
  });
  const port = Number(values.port);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !(timeoutMs > 0)) {
    console.error("usage: health-probe --port <port> [--certs <dir> --identity <name>] ...");
    process.exit(2);
  }
  const result = await probeHealth({
    host: values.host,
    port,
    certsDir: values.certs,
    identity: values.identity,
    service: values.service,
    timeoutMs,
  });
  console.log(`${values.service || "(server)"}: ${result.detail}`);
  // Exit at once: the HTTP/2 session would otherwise keep the process alive for its idle time.
  process.exit(result.healthy ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  await main();

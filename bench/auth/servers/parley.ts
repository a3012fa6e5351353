/**
 * Server child: auth exactly as its own process runs it (services/auth/src/main.ts), minus
 * signal handling: OpenTelemetry's SDK registered first (no exporter unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set), then `loadConfig()` from the environment the runner
 * passes, a pino logger at LOG_LEVEL, and `serveAuth()`: the full mesh `serve()` with its
 * interceptor chain, plaintext h2c, health and the JWKS route.
 *
 * BENCH_OTEL_SDK=off skips `startTracing()`, leaving OpenTelemetry's no-op API (ablation only).
 */
import { loadConfig, serveAuth } from "@parley/auth";
import { createLogger, startTracing } from "@parley/mesh";
import { runServerChild } from "../../lib/child-protocol.js";

const config = loadConfig();
const tracing =
  process.env.BENCH_OTEL_SDK === "off"
    ? undefined
    : startTracing({ serviceName: "auth", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "auth", level: config.mesh.logLevel });

runServerChild(async () => {
  const server = await serveAuth(config, { logger });
  return {
    port: server.served.port,
    async close() {
      await server.close();
      await tracing?.shutdown();
    },
  };
});

/**
 * The auth service as its own process (local mesh and docker compose): telemetry first, then
 * configuration and serveAuth(). `npm start` runs auth inside the single process instead.
 */
import { createLogger, readMeshCredentials, runUntilSignal, startTracing } from "@parley/mesh";
import { serveAuth } from "./auth-server.js";
import { loadConfig } from "./config.js";

const config = loadConfig();
const tracing = startTracing({ serviceName: "auth", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "auth", level: config.mesh.logLevel });
const { certsDir } = config.mesh;

const server = await serveAuth(config, {
  logger,
  tls: certsDir ? await readMeshCredentials(certsDir, "auth") : undefined,
});

runUntilSignal(logger, async () => {
  await server.close();
  await tracing.shutdown();
});

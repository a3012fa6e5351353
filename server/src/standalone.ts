/**
 * `npm start`: all of Parley in one process on one port, data under ./data, no other program
 * needed. Telemetry first, then configuration, then the services.
 */
import { createLogger, runUntilSignal, startTracing } from "@parley/mesh";
import { loadStandaloneConfig } from "./config.js";
import { startStandalone } from "./standalone-server.js";

const config = loadStandaloneConfig();
const tracing = startTracing({ serviceName: "parley", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "parley", level: config.mesh.logLevel });

const parley = await startStandalone(config, logger);
logger.info(`Parley is running: open ${parley.served.url} (Ctrl-C to stop)`);

runUntilSignal(logger, async () => {
  await parley.close();
  await tracing.shutdown();
});

import type { Logger } from "../telemetry/logger.js";

/**
 * Keeps a server process running until SIGINT (Ctrl-C) or SIGTERM, then runs `shutdown` once
 * and exits 0; a second signal, or a shutdown that fails or takes over `forceAfterMs`, exits 1.
 */
export function runUntilSignal(
  logger: Logger,
  shutdown: () => Promise<void>,
  forceAfterMs = 15_000,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown took too long: exiting");
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

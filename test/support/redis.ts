/**
 * Real Redis for the tests: Debian's redis-server on a free port, started by the same module the
 * local mesh launcher uses (scripts/mesh/redis-server.ts), so tests and `npm run mesh` run Redis
 * the same way: no config file, no persistence, killed with this process whatever kills it.
 */
import { type RedisServer, startRedisServer } from "../../scripts/mesh/redis-server.js";

export type { RedisServer } from "../../scripts/mesh/redis-server.js";

/**
 * Starts a throwaway redis-server on a free port of 127.0.0.1. Safe under parallel ava
 * workers: if another process takes the port before Redis binds it, another one is tried.
 * `stop()`/`start()` take it away and bring it back (empty) on the same port; `close()` it from
 * `test.after.always`.
 */
export function startRedis(): Promise<RedisServer> {
  return startRedisServer();
}

/**
 * Polls `condition` every 10 ms until it holds, so tests wait for reconnects and deliveries
 * exactly as long as needed; fails with `what` after `timeoutMs`.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { Argon2PasswordHasher, OWASP_ARGON2ID } from "@parley/auth";
import { type CpuProbe, type LoadResult, runClosedLoop } from "../lib/load.js";
import type { BenchAccount } from "./accounts.js";
import type { AuthClient } from "./client.js";

/**
 * Login with the right password, back to back from `concurrency` workers, cycling through the
 * accounts. Each call on the server: validation, per-account and per-address rate limits (off
 * for the bench), one user lookup, one argon2id verify at production parameters on libuv's
 * thread pool, a refresh token written to SQLite and an EdDSA access token signed.
 */
export function measureLogin(options: {
  client: AuthClient;
  accounts: readonly BenchAccount[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  server: CpuProbe;
}): Promise<LoadResult> {
  const { client, accounts } = options;
  let next = 0;
  return runClosedLoop({
    concurrency: options.concurrency,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    server: options.server,
    call: () => {
      const account = accounts[next++ % accounts.length]!;
      return client.login(account.username, account.password);
    },
  });
}

/**
 * The cost of one argon2id verify at production parameters, measured in this process one at a
 * time (on the load generator's core, before any load runs). CPU time (all threads) is the
 * figure that matters: it does not grow when other processes share the core, and 1000 / it is
 * the ceiling for logins per second per core.
 */
export async function argon2Verify(samples = 10): Promise<{ wallMs: number; cpuMs: number }> {
  const hasher = new Argon2PasswordHasher(OWASP_ARGON2ID);
  const hash = await hasher.hash("calibration password");
  await hasher.verify(hash, "calibration password");
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < samples; i++) await hasher.verify(hash, "calibration password");
  const wallMs = (performance.now() - started) / samples;
  const { user, system } = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (user + system) / 1000 / samples };
}

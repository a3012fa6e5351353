import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

/** How the run splits the machine: servers on one core, the load generator on another. */
export interface CpuPlan {
  /** Cores this process may use (its affinity list, or 0..n-1 when it cannot be read). */
  readonly allowed: readonly number[];
  /** Core each server child is pinned to with `taskset -c`, or undefined when not pinned. */
  readonly serverCore: number | undefined;
  /** Core the load generator (this process) was pinned to, or undefined. */
  readonly clientCore: number | undefined;
  /** One line for the report. */
  readonly description: string;
}

/**
 * Pins this process (every thread, `taskset -a`) to the first allowed core and reserves the last
 * one for server children, when `taskset` exists and at least two cores are allowed. Otherwise
 * nothing is pinned and the description says why.
 */
export function planCpus(pin: boolean): CpuPlan {
  const taskset = hasTaskset();
  const allowed = (taskset && affinityOf(process.pid)) || range(availableParallelism());
  if (!pin) return unpinned(allowed, "pinning switched off (--no-pin)");
  if (!taskset) return unpinned(allowed, "not pinned: `taskset` not found (util-linux)");
  if (allowed.length < 2) return unpinned(allowed, `not pinned: only core ${allowed} available`);
  const clientCore = allowed[0]!;
  const serverCore = allowed[allowed.length - 1]!;
  try {
    execFileSync("taskset", ["-a", "-p", "-c", String(clientCore), String(process.pid)], {
      stdio: "ignore",
    });
  } catch (err) {
    return unpinned(allowed, `not pinned: taskset failed (${(err as Error).message})`);
  }
  return {
    allowed,
    serverCore,
    clientCore,
    description: `server pinned to core ${serverCore} (taskset -c ${serverCore}), load generator to core ${clientCore}`,
  };
}

/** The command line that starts `argv` on `core` (plain `argv` when core is undefined). */
export function pinnedCommand(core: number | undefined, argv: readonly string[]): string[] {
  return core === undefined ? [...argv] : ["taskset", "-c", String(core), ...argv];
}

function unpinned(allowed: readonly number[], description: string): CpuPlan {
  return { allowed, serverCore: undefined, clientCore: undefined, description };
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Parses `taskset -c -p`'s "pid N's current affinity list: 0,2-3". */
function affinityOf(pid: number): number[] | undefined {
  try {
    const out = execFileSync("taskset", ["-c", "-p", String(pid)], { encoding: "utf8" });
    const list = out.split(":").pop()?.trim();
    if (!list) return undefined;
    const cores: number[] = [];
    for (const part of list.split(",")) {
      const [from, to = from] = part.split("-").map(Number);
      if (from === undefined || to === undefined) continue;
      for (let c = from; c <= to; c++) cores.push(c);
    }
    return cores.length > 0 ? cores : undefined;
  } catch {
    return undefined;
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

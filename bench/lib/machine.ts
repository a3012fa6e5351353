import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Busy CPU time per core from /proc/stat (user + nice + system + irq + softirq + steal), so a run
 * can tell how much of a core went to processes other than the benchmark's own: on a shared
 * machine that is the first thing that skews figures. Undefined where /proc/stat is missing.
 */
export function busyMsByCore(): number[] | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/stat", "utf8");
  } catch {
    return undefined;
  }
  const busy: number[] = [];
  for (const line of text.split("\n")) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = match[2]!
      .trim()
      .split(/\s+/)
      .map(Number);
    busy[Number(match[1])] = ((user + nice + system + irq + softirq + steal) * 1000) / clockTicks();
  }
  return busy;
}

/** `delta[core]` = busy ms on that core between two snapshots. */
export function busyDelta(
  from: number[] | undefined,
  to: number[] | undefined,
): number[] | undefined {
  if (!from || !to) return undefined;
  return to.map((v, core) => v - (from[core] ?? 0));
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { CpuProbe, CpuWindow } from "./load.js";

/**
 * A {@link CpuProbe} for any process from `/proc/<pid>/stat` (utime + stime, all threads), in
 * clock ticks (10 ms): coarse, but fine over windows of seconds. Unlike the IPC snapshot of
 * `startChild`'s probe, it is read by the runner at the very moment the window opens and closes,
 * so a child whose event loop is saturated (and would answer IPC late) is still measured over
 * exactly the window.
 */
export function procCpuProbe(pid: number): CpuProbe {
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const read = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
    return { cpuMs, now: performance.now() };
  };
  let first = read();
  return {
    async start() {
      first = read();
    },
    async end(): Promise<CpuWindow> {
      const last = read();
      return { cpuMs: last.cpuMs - first.cpuMs, wallMs: last.now - first.now };
    },
  };
}

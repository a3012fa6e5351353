import { setTimeout as sleep } from "node:timers/promises";
import { busyDelta, busyMsByCore } from "./machine.js";
import { LatencyRecorder, type LatencySummary } from "./stats.js";

/** CPU time a process spent during the measured window, and the wall time of that window. */
export interface CpuWindow {
  /** User + system CPU time, all threads (libuv's pool included), in milliseconds. */
  readonly cpuMs: number;
  readonly wallMs: number;
}

/** Something that can take CPU snapshots of a process (the server child, over IPC). */
export interface CpuProbe {
  start(): Promise<void>;
  end(): Promise<CpuWindow>;
}

export interface ClosedLoopOptions {
  /** Calls in flight at any time: each worker issues its next call when the previous ends. */
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** One call; `worker` is 0..concurrency-1, `seq` counts that worker's calls. */
  readonly call: (worker: number, seq: number) => Promise<unknown>;
  /** Server-side CPU accounting for the measured window. */
  readonly server?: CpuProbe;
}

export interface LoadResult {
  /** Successful calls that completed inside the measured window. */
  readonly ok: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly wallMs: number;
  readonly perSecond: number;
  readonly latency: LatencySummary;
  /** The load generator's own CPU use in the window (to spot a client-bound run). */
  readonly client: CpuWindow;
  readonly server: CpuWindow | undefined;
  /** Busy ms per core over the window, every process on the machine (from /proc/stat). */
  readonly busyByCore: number[] | undefined;
}

/**
 * A closed-loop load generator: `concurrency` workers call back to back, first for `warmupMs`
 * (JIT, connection set-up, caches; nothing recorded), then for `durationMs`, during which every
 * completed call's latency (`performance.now()` around the awaited call) is recorded. Calls
 * completing after the window are awaited but not counted.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  let phase: "warmup" | "measure" | "done" = "warmup";
  const recorder = new LatencyRecorder();
  let errors = 0;
  let firstError: string | undefined;

  const worker = async (id: number) => {
    let seq = 0;
    while (phase !== "done") {
      const started = performance.now();
      let failed: unknown;
      try {
        await options.call(id, seq++);
      } catch (err) {
        failed = err ?? new Error("call failed");
      }
      const ms = performance.now() - started;
      if (phase !== "measure") continue;
      if (failed === undefined) {
        recorder.record(ms);
      } else {
        errors++;
        firstError ??= failed instanceof Error ? failed.message : String(failed);
      }
    }
  };
  const workers = Array.from({ length: options.concurrency }, (_, i) => worker(i));
  // A worker that throws outside the call would leave the run hanging: surface it instead.
  const crashed = Promise.all(workers).then(() => undefined);

  await Promise.race([sleep(options.warmupMs), crashed]);
  await options.server?.start();
  const busy0 = busyMsByCore();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  phase = "measure";
  await Promise.race([sleep(options.durationMs), crashed]);
  phase = "done";
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const busyByCore = busyDelta(busy0, busyMsByCore());
  const server = await options.server?.end();
  // Calls have no deadline: a server that stopped answering must not hang the run.
  const drained = await Promise.race([
    crashed.then(() => true),
    sleep(15_000, false, { ref: false }),
  ]);
  if (!drained) throw new Error("calls still in flight 15 s after the measured window");

  const latency = recorder.summary();
  return {
    ok: latency.count,
    errors,
    firstError,
    wallMs,
    perSecond: (latency.count * 1000) / wallMs,
    latency,
    client: { cpuMs: (cpu.user + cpu.system) / 1000, wallMs },
    server,
    busyByCore,
  };
}

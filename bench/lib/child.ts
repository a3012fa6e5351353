import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FromChild, ToChild } from "./child-protocol.js";
import { pinnedCommand } from "./cpus.js";
import type { CpuProbe, CpuWindow } from "./load.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerChild {
  readonly pid: number;
  readonly port: number;
  /** CPU snapshots of the child over IPC, for the measured window. */
  readonly cpu: CpuProbe;
  /** Asks the child to close its server and exit; kills it if it has not after 5 s. */
  stop(): Promise<void>;
}

export interface StartChildOptions {
  /** Entry file, relative to the repository root (e.g. `bench/auth/servers/parley.ts`). */
  readonly script: string;
  /** Added to this process's environment. */
  readonly env?: Record<string, string>;
  /** Core to pin the child to (`taskset -c`); undefined runs it unpinned. */
  readonly core: number | undefined;
  /** Extra Node flags for the child, e.g. `--cpu-prof` (see BENCH_SERVER_NODE_ARGS). */
  readonly nodeArgs: readonly string[];
  /** Send the child's stdout (its pino logs) to /dev/null instead of this terminal. */
  readonly discardStdout?: boolean;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills every child still running: on exit, and on Ctrl-C before exiting. */
function hookCleanup(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const child of live) child.kill("SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Starts a server child (Node with tsx, pinned when asked) and waits for its port. */
export async function startChild(options: StartChildOptions): Promise<ServerChild> {
  hookCleanup();
  const [command, ...args] = pinnedCommand(options.core, [
    process.execPath,
    ...options.nodeArgs,
    "--import",
    "tsx",
    options.script,
  ]);
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", options.discardStdout ? "ignore" : "inherit", "inherit", "ipc"],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => live.delete(child));

  const pending = new Map<number, (message: FromChild & { type: "cpu" }) => void>();
  let nextId = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`${options.script} exited before it was ready (${signal ?? code})`)),
    );
    child.on("message", (message: FromChild) => {
      if (message.type === "ready") resolve(message.port);
      else if (message.type === "failed")
        reject(new Error(`${options.script}: ${message.message}`));
      else if (message.type === "cpu") pending.get(message.id)?.(message);
    });
  });

  const snapshot = () =>
    new Promise<{ cpuMicros: number; now: number }>((resolve) => {
      const id = nextId++;
      pending.set(id, (m) => {
        pending.delete(id);
        resolve(m);
      });
      child.send({ type: "cpu", id } satisfies ToChild);
    });
  let first: { cpuMicros: number; now: number } | undefined;
  const cpu: CpuProbe = {
    async start() {
      first = await snapshot();
    },
    async end(): Promise<CpuWindow> {
      const last = await snapshot();
      const from = first ?? last;
      return { cpuMs: (last.cpuMicros - from.cpuMicros) / 1000, wallMs: last.now - from.now };
    },
  };

  return {
    pid: child.pid ?? -1,
    port,
    cpu,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: "stop" } satisfies ToChild);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

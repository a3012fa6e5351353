import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";

/**
 * util-linux's setpriv, used for `--pdeathsig KILL`: the kernel kills the child when the process
 * that started it dies, however it dies (SIGKILL, a crash, an ava timeout), which no exit handler
 * could guarantee. Without it (not Linux), children are still killed from an `exit` handler.
 */
const SETPRIV = "/usr/bin/setpriv";

/** Children still running, killed if this process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Every line the child writes, as it comes. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** How many recent lines {@link Child.output} keeps (default 2,000). */
  readonly keepLines?: number;
}

/** A child process tied to this one's life, with its output split into lines. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number | undefined;
  /** Resolves when the child has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  /** Whether it has exited. */
  readonly hasExited: boolean;
  /** The most recent lines of stdout and stderr, in order. */
  output(): readonly string[];
  /** Sends `signal` and waits until the child has exited. */
  kill(signal: NodeJS.Signals): Promise<ChildExit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<ChildExit>;
}

/** Spawns a child that dies with this process (see {@link SETPRIV}). */
export function spawnChild(options: SpawnChildOptions): Child {
  installExitHook();
  const [command, args] = existsSync(SETPRIV)
    ? [SETPRIV, ["--pdeathsig", "KILL", "--", options.command, ...options.args]]
    : [options.command, [...options.args]];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a terminal's Ctrl-C reaches only the launcher, which then stops
    // its children in order, instead of every process at once (and the launcher's own stop
    // arriving as a second, forcing signal).
    detached: true,
  });
  running.add(child);
  const keep = options.keepLines ?? 2_000;
  const lines: string[] = [];
  const collect = (stream: "stdout" | "stderr", source: Readable | null) => {
    let partial = "";
    source?.setEncoding("utf8");
    source?.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) emit(line, stream);
    });
    source?.on("end", () => {
      if (partial) emit(partial, stream);
      partial = "";
    });
  };
  const emit = (line: string, stream: "stdout" | "stderr") => {
    lines.push(line);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    options.onLine?.(line, stream);
  };
  collect("stdout", child.stdout);
  collect("stderr", child.stderr);

  let hasExited = false;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => {
      hasExited = true;
      running.delete(child);
      resolve({ code, signal });
    });
    child.once("error", (err) => {
      emit(`could not start ${options.command}: ${err.message}`, "stderr");
      hasExited = true;
      running.delete(child);
      resolve({ code: null, signal: null });
    });
  });

  const kill = async (signal: NodeJS.Signals) => {
    if (!hasExited) child.kill(signal);
    return exited;
  };
  return {
    process: child,
    pid: child.pid,
    exited,
    get hasExited() {
      return hasExited;
    },
    output: () => [...lines],
    kill,
    async stop(graceMs = 15_000) {
      if (hasExited) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

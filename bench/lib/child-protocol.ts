/**
 * The few IPC messages between the bench runner and a server child. The child is a separate
 * process so it can be pinned to its own core and so its CPU time is its own.
 */
export type ToChild = { readonly type: "cpu"; readonly id: number } | { readonly type: "stop" };

export type FromChild =
  | { readonly type: "ready"; readonly port: number }
  | {
      readonly type: "cpu";
      readonly id: number;
      /** process.cpuUsage() user + system, in microseconds (every thread of the process). */
      readonly cpuMicros: number;
      /** performance.now() in the child, so windows are measured on the child's clock. */
      readonly now: number;
    }
  | { readonly type: "failed"; readonly message: string };

/** What a child entry point hands to {@link runServerChild}. */
export interface ChildServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Runs a server child: starts the server, reports its port, answers CPU snapshots and shuts down
 * on "stop" or when the runner goes away (IPC channel closed), so no server outlives a run.
 */
export function runServerChild(start: () => Promise<ChildServer>): void {
  const send = (message: FromChild) => process.send?.(message);
  if (!process.send) {
    console.error("this file is a bench server child; run `npm run bench` instead");
    process.exit(2);
  }
  let server: ChildServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      await server?.close();
    } finally {
      process.exit(code);
    }
  };
  process.on("disconnect", () => void stop(0));
  process.on("message", (message: ToChild) => {
    if (message.type === "stop") void stop(0);
    if (message.type === "cpu") {
      const { user, system } = process.cpuUsage();
      send({ type: "cpu", id: message.id, cpuMicros: user + system, now: performance.now() });
    }
  });
  start().then(
    (started) => {
      server = started;
      send({ type: "ready", port: started.port });
    },
    (err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.send?.({ type: "failed", message } satisfies FromChild, undefined, undefined, () =>
        process.exit(1),
      );
    },
  );
}

import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * The worker's program (CommonJS, evaluated): its own connection to the database, a PASSIVE
 * checkpoint every `intervalMs` (it copies what it can without waiting for or blocking anyone;
 * another instance's checkpoint in progress is simply skipped), and the outcome of each one that
 * copied pages posted back (tests read it). A "close" message closes the connection and ends it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const checkpoint = () => {
  try {
    const [row] = db.pragma("wal_checkpoint(PASSIVE)");
    if (row && row.checkpointed > 0) parentPort.postMessage({ checkpointed: row.checkpointed });
  } catch (err) {
    if (err && err.code !== "SQLITE_BUSY" && err.code !== "SQLITE_LOCKED") {
      parentPort.postMessage({ error: String(err && err.message) });
    }
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  try {
    db.close();
  } finally {
    parentPort.close();
  }
});
`;

export interface CheckpointerOptions {
  /** How often the worker checkpoints (default 1 s). */
  readonly intervalMs?: number;
  /** Told about a checkpoint that failed for another reason than a lock held elsewhere. */
  readonly onError?: (message: string) => void;
  /** Told how many WAL frames each checkpoint copied into the database file. */
  readonly onCheckpoint?: (frames: number) => void;
}

/**
 * Checkpoints a WAL database from a worker thread, so that the event loop never copies WAL pages
 * into the database file, nor waits for that file's fsync, in the middle of deliveries (with
 * `synchronous = NORMAL` the checkpoint is the only fsync WAL mode does). The main connection
 * keeps a large `wal_autocheckpoint` only as a fallback should the worker stop.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #closed: Promise<void> | undefined;

  constructor(file: string, options: CheckpointerOptions = {}) {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        intervalMs: options.intervalMs ?? 1000,
        driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      },
      // Not a program of its own: no tsx loader, no inherited flags.
      execArgv: [],
    });
    this.#worker.on("message", (message: { checkpointed?: number; error?: string }) => {
      if (message.error !== undefined) options.onError?.(message.error);
      else if (message.checkpointed !== undefined) options.onCheckpoint?.(message.checkpointed);
    });
    this.#worker.on("error", (err) => options.onError?.(String(err)));
    this.#exited = new Promise((resolve) => this.#worker.once("exit", () => resolve()));
    // It must never keep a process alive by itself.
    this.#worker.unref();
  }

  /** Stops checkpointing and closes the worker's connection. Idempotent. */
  close(): Promise<void> {
    if (!this.#closed) {
      // Waited for now: the process stays up until the worker has closed its connection.
      this.#worker.ref();
      this.#worker.postMessage("close");
      this.#closed = this.#exited;
    }
    return this.#closed;
  }
}

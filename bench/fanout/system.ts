import type { CpuProbe } from "../lib/load.js";
import type { SystemId } from "./options.js";

/**
 * Where a stack's subscribers report what they receive. Both stacks call it from their client
 * callbacks in the runner's process, so receive times are on the sender's clock.
 */
export interface DeliverySink {
  /** A bench message arrived at one subscriber (its text as sent). */
  message(text: string, at: number): void;
  /** Anything else a subscriber received (read state, presence, heartbeats...). */
  other(): void;
}

/** A server-side process whose CPU counts toward the system's cost. */
export interface ServerProcess {
  readonly label: string;
  readonly cpu: CpuProbe;
}

/** Subscriber-side incidents since the system started. */
export interface SystemCounters {
  /** Streams (Parley) or sockets (Socket.IO) that ended or dropped and were reopened. */
  readonly reconnects: number;
  readonly lastReconnectReason: string | undefined;
}

/** One stack under test: two server instances, Redis between them, and its clients. */
export interface FanoutSystem {
  readonly id: SystemId;
  readonly label: string;
  /** Every server-side process (instances, Redis, auth where the stack uses it). */
  readonly processes: readonly ServerProcess[];
  /** Sends one message as subscriber `author` to `channel`; resolves on the server's ack. */
  send(channel: number, author: number, text: string): Promise<void>;
  counters(): SystemCounters;
  /** Closes the clients (the servers are stopped by the runner). */
  close(): Promise<void>;
}

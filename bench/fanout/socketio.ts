import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { io, type Socket } from "socket.io-client";
import type { ServerChild } from "../lib/child.js";
import { procCpuProbe } from "../lib/proc-cpu.js";
import type { BenchUser } from "./parley.js";
import type { DeliverySink, FanoutSystem, ServerProcess, SystemCounters } from "./system.js";
import type { WorkloadPlan } from "./workload.js";

export interface SocketIoFanoutOptions {
  /** `socketio`, or `socketio-sqlite` when the servers write each message first. */
  readonly id: "socketio" | "socketio-sqlite";
  readonly plan: WorkloadPlan;
  readonly users: readonly BenchUser[];
  /** The two Socket.IO servers (children), A first. */
  readonly instances: readonly [ServerChild, ServerChild];
  readonly extraProcesses: readonly ServerProcess[];
  /** Room names by plan index (the same ids the membership file gave the servers). */
  readonly channelIds: readonly string[];
  readonly sink: DeliverySink;
}

interface Ack {
  readonly error?: string;
  readonly message?: unknown;
}

/**
 * The Socket.IO side: subscriber `i` opens one socket.io-client socket (websocket transport
 * only, its own connection, as a browser tab would) to server `i % 2`, authenticated with the
 * same access token as on Parley's side; the server puts it in its channels' rooms. A
 * subscriber sends its messages on its own socket with an ack, and receives everything broadcast
 * to its rooms (its own messages included). socket.io-client reconnects by itself; what was
 * broadcast meanwhile is lost (Socket.IO keeps nothing).
 *
 * Resolves once every socket is connected.
 */
export async function startSocketIoFanout(options: SocketIoFanoutOptions): Promise<FanoutSystem> {
  const { plan, users, instances, sink, channelIds } = options;
  let reconnects = 0;
  let lastReconnectReason: string | undefined;
  let closing = false;
  const sockets: Socket[] = [];
  const connected: Promise<void>[] = [];
  for (let i = 0; i < plan.subscribers; i++) {
    const socket = io(`http://127.0.0.1:${instances[i % 2]!.port}`, {
      transports: ["websocket"],
      auth: { token: users[i]!.accessToken },
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 1000,
    });
    connected.push(
      new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", (err) => reject(err));
      }),
    );
    socket.on("message", (message: { text?: string }) => {
      sink.message(message.text ?? "", performance.now());
    });
    socket.on("disconnect", (reason) => {
      if (closing) return;
      reconnects++;
      lastReconnectReason = reason;
    });
    sockets.push(socket);
  }
  await Promise.race([
    Promise.all(connected),
    sleep(30_000, undefined, { ref: false }).then(() => {
      throw new Error("Socket.IO subscribers were not all connected within 30 s");
    }),
  ]);

  return {
    id: options.id,
    label:
      options.id === "socketio"
        ? "Socket.IO 4 + redis-adapter"
        : "Socket.IO 4 + redis-adapter + SQLite writes",
    processes: [
      { label: "socket.io A", cpu: procCpuProbe(instances[0].pid) },
      { label: "socket.io B", cpu: procCpuProbe(instances[1].pid) },
      ...options.extraProcesses,
    ],
    send(channel, author, text) {
      return new Promise<void>((resolve, reject) => {
        sockets[author]!.emit("send", { channelId: channelIds[channel], text }, (ack: Ack) => {
          if (ack?.error) reject(new Error(ack.error));
          else resolve();
        });
      });
    },
    counters(): SystemCounters {
      return { reconnects, lastReconnectReason };
    },
    async close() {
      closing = true;
      for (const socket of sockets) socket.disconnect();
    },
  };
}

/** Room ids for the Socket.IO servers, and each user's rooms (the membership file's content). */
export function socketIoMembership(
  plan: WorkloadPlan,
  users: readonly BenchUser[],
  channelIds: readonly string[] = plan.channels.map(() => randomUUID()),
): { channelIds: readonly string[]; byUser: Record<string, string[]> } {
  const byUser: Record<string, string[]> = {};
  plan.channelsOf.forEach((channels, i) => {
    byUser[users[i]!.id] = channels.map((c) => channelIds[c]!);
  });
  return { channelIds, byUser };
}

import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { type RedisServer, startRedis } from "../../test/support/redis.js";
import type { CpuProbe } from "../lib/load.js";
import { procCpuProbe } from "../lib/proc-cpu.js";

/** The run's redis-server: the tests' throwaway server, pinned, with a CPU probe from /proc. */
export interface BenchRedis {
  readonly url: string;
  readonly pid: number;
  readonly cpu: CpuProbe;
  close(): Promise<void>;
}

/**
 * Starts redis-server exactly as the tests do (`test/support/redis.ts`: free port, no
 * persistence, killed with this process through `setpriv --pdeathsig`), then pins it (all its
 * threads) to `core` so it shares the servers' core, as a Redis beside the instances would.
 */
export async function startBenchRedis(core: number | undefined): Promise<BenchRedis> {
  const server: RedisServer = await startRedis();
  try {
    const pid = await redisPid(server.port);
    if (core !== undefined) {
      execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
    }
    return { url: server.url, pid, cpu: procCpuProbe(pid), close: () => server.close() };
  } catch (err) {
    await server.close();
    throw err;
  }
}

/** `INFO server`'s process_id, over one raw connection. */
function redisPid(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error("redis INFO timed out"));
    });
    socket.once("error", reject);
    socket.once("connect", () => socket.write("INFO server\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      const match = /process_id:(\d+)/.exec(reply);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
  });
}

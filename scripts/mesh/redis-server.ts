import { connect } from "node:net";
import { type Child, spawnChild } from "./child-process.js";
import { freePort } from "./free-port.js";

/** Debian's Redis (`apt-get install redis-server`). */
export const REDIS_SERVER = "/usr/bin/redis-server";
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

/** A redis-server owned by this process. */
export interface RedisServer {
  /** `redis://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and waits until it has exited: clients see Redis go away. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it for good. */
  close(): Promise<void>;
}

export interface StartRedisOptions {
  /** Port to listen on; 0 or absent picks a free one (retrying if another process takes it). */
  readonly port?: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Every line redis-server writes. */
  readonly onLine?: (line: string) => void;
}

/** The port was taken between picking it and redis-server binding it. */
export class AddressInUseError extends Error {
  override name = "AddressInUseError";
}

/**
 * Starts a throwaway redis-server: no config file, no persistence, nothing written to disk, and
 * killed by the kernel if this process dies. With a free port (the default) it is safe under
 * parallel test workers: if another process takes the port before Redis binds it, another one is
 * tried. Used by the local mesh launcher and by the tests.
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServer> {
  const host = options.host ?? "127.0.0.1";
  const fixed = options.port !== undefined && options.port !== 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < (fixed ? 1 : 10); attempt++) {
    const port = fixed ? (options.port as number) : await freePort(host);
    try {
      let child: Child | undefined = await spawnRedis(host, port, options.onLine);
      let closed = false;
      const stop = async () => {
        const current = child;
        child = undefined;
        if (current) await current.stop(STOP_TIMEOUT_MS);
      };
      return {
        url: `redis://${host}:${port}`,
        port,
        stop,
        async start() {
          if (closed) throw new Error("this Redis server was closed");
          if (child) return;
          child = await spawnOnSamePort(host, port, options.onLine);
        },
        async close() {
          closed = true;
          await stop();
        },
      };
    } catch (err) {
      lastError = err;
      if (!(err instanceof AddressInUseError)) throw err;
    }
  }
  throw lastError instanceof Error
    ? lastError
    : new Error("could not find a free port for redis-server", { cause: lastError });
}

/** After a stop the port can linger briefly, so retry for a while. */
async function spawnOnSamePort(
  host: string,
  port: number,
  onLine: ((line: string) => void) | undefined,
): Promise<Child> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      return await spawnRedis(host, port, onLine);
    } catch (err) {
      if (!(err instanceof AddressInUseError) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Spawns redis-server on `port` and resolves once it answers PING. */
async function spawnRedis(
  host: string,
  port: number,
  onLine: ((line: string) => void) | undefined,
): Promise<Child> {
  const child = spawnChild({
    command: REDIS_SERVER,
    args: [
      "--port",
      String(port),
      "--bind",
      host,
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
    ],
    keepLines: 50,
    ...(onLine && { onLine: (line: string) => onLine(line) }),
  });
  // The pipes and the process must not keep a finished test worker or launcher alive.
  child.process.unref();
  for (const stream of [child.process.stdout, child.process.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.hasExited) {
      const output = child.output().join("\n").trim();
      const why = `redis-server exited during start: ${output}`;
      throw /already in use/i.test(output) ? new AddressInUseError(why) : new Error(why);
    }
    // Its own "ready" line first: a PONG alone could come from another server on that port.
    const ready = child.output().some((line) => /Ready to accept connections/i.test(line));
    if (ready && (await answersPing(host, port))) return child;
    if (Date.now() > deadline) {
      await child.stop(STOP_TIMEOUT_MS);
      throw new Error(
        `redis-server did not answer PING within ${START_TIMEOUT_MS} ms: ${child.output().join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One raw PING over TCP: no client library, no reconnect logic to get in the way. */
export function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";

/** Debian's Redis; the tests run against the real server, never a fake. */
const REDIS_SERVER = "/usr/bin/redis-server";
/**
 * util-linux's setpriv, used for `--pdeathsig KILL`: the kernel kills redis-server when the test
 * process dies, however it dies (SIGKILL from an ava timeout included), which no handler in this
 * process could guarantee.
 */
const SETPRIV = "/usr/bin/setpriv";
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

/** A redis-server owned by this test process. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and waits until it has exited: clients see Redis go away. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it for good; call it from `test.after.always`. */
  close(): Promise<void>;
}

/** Servers still running, killed if this process exits without closing them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts a throwaway redis-server on a free port of 127.0.0.1: no config file, no persistence,
 * nothing written to disk. Safe under parallel ava workers: the port is found by binding port 0,
 * and if another process takes it before Redis binds, another port is tried.
 */
export async function startRedis(): Promise<RedisServer> {
  installExitHook();
  let lastError: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = await freePort();
    try {
      let child: ChildProcess | undefined = await spawnRedis(port);
      let closed = false;
      const stop = async () => {
        const current = child;
        child = undefined;
        if (current) await stopProcess(current);
      };
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop,
        async start() {
          if (closed) throw new Error("this Redis server was closed");
          if (child) return;
          child = await spawnOnSamePort(port);
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
  throw new Error("could not find a free port for redis-server", { cause: lastError });
}

/**
 * Polls `condition` every 10 ms until it holds, so tests wait for reconnects and deliveries
 * exactly as long as needed; fails with `what` after `timeoutMs`.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

class AddressInUseError extends Error {}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' also runs after an uncaught exception; setpriv covers deaths that skip it.
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** The port was free a moment ago; after a stop it can linger briefly, so retry for a while. */
async function spawnOnSamePort(port: number): Promise<ChildProcess> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      return await spawnRedis(port);
    } catch (err) {
      if (!(err instanceof AddressInUseError) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Spawns redis-server on `port` and resolves once it answers PING. */
async function spawnRedis(port: number): Promise<ChildProcess> {
  const redisArgs = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
  ];
  const [command, args] = existsSync(SETPRIV)
    ? [SETPRIV, ["--pdeathsig", "KILL", "--", REDIS_SERVER, ...redisArgs]]
    : [REDIS_SERVER, redisArgs];
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  // The pipes and the process must not keep a finished test worker alive.
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  child.unref();

  let exited = false;
  child.once("exit", () => {
    exited = true;
    running.delete(child);
  });
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw new Error(`could not start ${REDIS_SERVER}`, { cause: spawnError });
    if (exited) {
      const why = `redis-server exited during start: ${output.trim()}`;
      throw /already in use/i.test(output) ? new AddressInUseError(why) : new Error(why);
    }
    if (await answersPing(port)) return child;
    if (Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`redis-server did not answer PING within ${START_TIMEOUT_MS} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One raw PING over TCP: no client library, no reconnect logic to get in the way. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
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

/** SIGTERM, then SIGKILL if it lingers; resolves once the process has exited. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

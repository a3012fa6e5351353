import { parseArgs } from "node:util";
import type { ClientKind } from "../auth/client.js";

/** Everything a run can be told; flags win over environment variables, which win over defaults. */
export interface BenchOptions {
  /** Measured window per scenario. */
  readonly seconds: number;
  /** Warm-up before each measured window (nothing recorded). */
  readonly warmupSeconds: number;
  /** How many times the GetMe servers are measured, interleaved; each row reports its best. */
  readonly rounds: number;
  /** Calls in flight for the GetMe comparison. */
  readonly concurrency: number;
  /** HTTP/2 connections the GetMe client spreads its calls over. */
  readonly connections: number;
  /** Calls in flight for Login. */
  readonly loginConcurrency: number;
  /** Accounts registered (each costs one argon2id hash) and cycled through by both benchmarks. */
  readonly users: number;
  readonly client: ClientKind;
  readonly login: boolean;
  readonly getMe: boolean;
  /** Adds the per-interceptor and codec variants (about 9 s each per round at the defaults). */
  readonly ablation: boolean;
  /** GetMe server ids to run (overrides --ablation); undefined runs the default set. */
  readonly servers: readonly string[] | undefined;
  /** LOG_LEVEL of the Parley servers. */
  readonly logLevel: string;
  readonly pin: boolean;
  /** Extra Node flags for server children, e.g. `--cpu-prof --cpu-prof-dir=prof`. */
  readonly serverNodeArgs: readonly string[];
}

export const USAGE = `npm run bench [-- options]

  --seconds=N            measured window per scenario        BENCH_SECONDS            (6)
  --warmup=N             warm-up before each window          BENCH_WARMUP             (2)
  --rounds=N             GetMe servers measured N times,     BENCH_ROUNDS             (2)
                         interleaved; best round reported
  --concurrency=N        GetMe calls in flight               BENCH_CONCURRENCY        (32)
  --connections=N        GetMe client connections            BENCH_CONNECTIONS        (4)
  --login-concurrency=N  Login calls in flight               BENCH_LOGIN_CONCURRENCY  (4)
  --users=N              accounts registered and cycled      BENCH_USERS              (16)
  --client=KIND          grpc-js | connect (drives all)      BENCH_CLIENT             (grpc-js)
  --only=LIST            login,getme                         BENCH_ONLY               (both)
  --ablation             per-interceptor and codec variants  BENCH_ABLATION=1         (off)
  --servers=LIST         GetMe servers by id, e.g.           BENCH_SERVERS            (default set)
                         parley,plain (see bench/README.md)
  --log-level=LEVEL      LOG_LEVEL of the Parley servers     BENCH_LOG_LEVEL          (warn)
  --no-pin               do not pin processes to cores       BENCH_PIN=0              (pinned)

UV_THREADPOOL_SIZE is passed through to the servers (libuv's default is 4).
BENCH_SERVER_NODE_ARGS adds Node flags to the server processes only, e.g.
  BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench`;

/** Parses argv and BENCH_* variables; undefined after printing usage for --help. */
export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      concurrency: { type: "string" },
      connections: { type: "string" },
      "login-concurrency": { type: "string" },
      users: { type: "string" },
      client: { type: "string" },
      only: { type: "string" },
      ablation: { type: "boolean" },
      servers: { type: "string" },
      "log-level": { type: "string" },
      "no-pin": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const number = (flag: string | undefined, name: string, fallback: number, min: number) => {
    const raw = flag ?? env[name] ?? String(fallback);
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) {
      throw new Error(`${name} (or its flag): expected a number ≥ ${min}, got "${raw}"`);
    }
    return value;
  };
  const client = values.client ?? env.BENCH_CLIENT ?? "grpc-js";
  if (client !== "grpc-js" && client !== "connect") {
    throw new Error(`--client must be grpc-js or connect, got "${client}"`);
  }
  const only = (values.only ?? env.BENCH_ONLY ?? "login,getme").toLowerCase().split(",");
  for (const item of only) {
    if (item !== "login" && item !== "getme")
      throw new Error(`--only: unknown benchmark "${item}"`);
  }
  return {
    seconds: number(values.seconds, "BENCH_SECONDS", 6, 0.5),
    warmupSeconds: number(values.warmup, "BENCH_WARMUP", 2, 0),
    rounds: Math.round(number(values.rounds, "BENCH_ROUNDS", 2, 1)),
    concurrency: Math.round(number(values.concurrency, "BENCH_CONCURRENCY", 32, 1)),
    connections: Math.round(number(values.connections, "BENCH_CONNECTIONS", 4, 1)),
    loginConcurrency: Math.round(
      number(values["login-concurrency"], "BENCH_LOGIN_CONCURRENCY", 4, 1),
    ),
    users: Math.round(number(values.users, "BENCH_USERS", 16, 1)),
    client,
    login: only.includes("login"),
    getMe: only.includes("getme"),
    ablation: values.ablation ?? env.BENCH_ABLATION === "1",
    servers: (values.servers ?? env.BENCH_SERVERS)?.split(",").map((s) => s.trim()),
    logLevel: values["log-level"] ?? env.BENCH_LOG_LEVEL ?? "warn",
    pin: !(values["no-pin"] ?? env.BENCH_PIN === "0"),
    serverNodeArgs: (env.BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
  };
}

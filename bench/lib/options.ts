import { parseArgs } from "node:util";
import type { ClientKind } from "../auth/client.js";

/** Everything a run can be told; flags win over environment variables, which win over defaults. */
export interface BenchOptions {
  /** Measured window per scenario. */
  readonly seconds: number;
  /** Warm-up before each measured window (nothing recorded). */
  readonly warmupSeconds: number;
  /** Calls in flight for the GetMe comparison. */
  readonly concurrency: number;
  /** Calls in flight for Login. */
  readonly loginConcurrency: number;
  /** Accounts registered (each costs one argon2id hash) and cycled through by both benchmarks. */
  readonly users: number;
  readonly client: ClientKind;
  readonly login: boolean;
  readonly getMe: boolean;
  /** Adds the per-interceptor and codec variants (about 10 s each at the defaults). */
  readonly ablation: boolean;
  /** LOG_LEVEL of the Parley servers. */
  readonly logLevel: string;
  readonly pin: boolean;
}

export const USAGE = `npm run bench [-- options]

  --seconds=N            measured window per scenario        BENCH_SECONDS            (8)
  --warmup=N             warm-up before each window          BENCH_WARMUP             (3)
  --concurrency=N        GetMe calls in flight               BENCH_CONCURRENCY        (32)
  --login-concurrency=N  Login calls in flight               BENCH_LOGIN_CONCURRENCY  (4)
  --users=N              accounts registered and cycled      BENCH_USERS              (16)
  --client=KIND          grpc-js | connect (drives all)      BENCH_CLIENT             (grpc-js)
  --only=LIST            login,getme                         BENCH_ONLY               (both)
  --ablation             per-interceptor and codec variants  BENCH_ABLATION=1         (off)
  --log-level=LEVEL      LOG_LEVEL of the Parley servers     BENCH_LOG_LEVEL          (warn)
  --no-pin               do not pin processes to cores       BENCH_PIN=0              (pinned)

UV_THREADPOOL_SIZE is passed through to the servers (libuv's default is 4).`;

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
      concurrency: { type: "string" },
      "login-concurrency": { type: "string" },
      users: { type: "string" },
      client: { type: "string" },
      only: { type: "string" },
      ablation: { type: "boolean" },
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
    if (item !== "login" && item !== "getme") throw new Error(`--only: unknown benchmark "${item}"`);
  }
  return {
    seconds: number(values.seconds, "BENCH_SECONDS", 8, 0.5),
    warmupSeconds: number(values.warmup, "BENCH_WARMUP", 3, 0),
    concurrency: Math.round(number(values.concurrency, "BENCH_CONCURRENCY", 32, 1)),
    loginConcurrency: Math.round(
      number(values["login-concurrency"], "BENCH_LOGIN_CONCURRENCY", 4, 1),
    ),
    users: Math.round(number(values.users, "BENCH_USERS", 16, 1)),
    client,
    login: only.includes("login"),
    getMe: only.includes("getme"),
    ablation: values.ablation ?? env.BENCH_ABLATION === "1",
    logLevel: values["log-level"] ?? env.BENCH_LOG_LEVEL ?? "warn",
    pin: !(values["no-pin"] ?? env.BENCH_PIN === "0"),
  };
}

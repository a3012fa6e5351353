/**
 * `npm run bench`: Parley's benchmarks. Prints figures; asserts nothing; not part of `npm test`.
 *
 *  1. Login throughput against Parley's auth server at production argon2id parameters.
 *  2. Authenticated unary RPC: GetMe with a bearer token against Parley's auth server
 *     (`serveAuth`: the full mesh interceptor chain) and against a plain @grpc/grpc-js server
 *     doing the same work on the same database, driven by the same client at the same
 *     concurrency, interleaved over rounds; prints req/s, p50/p99, server CPU per call and the
 *     ratio Parley/plain.
 *
 * Servers run in child processes pinned to one core (`taskset`), the load generator in this
 * process on another. See bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { OWASP_ARGON2ID } from "@parley/auth";
import { registerAccounts } from "./auth/accounts.js";
import { createAuthClient } from "./auth/client.js";
import {
  checkGetMe,
  GET_ME_VARIANTS,
  measureGetMe,
  PARLEY,
  PLAIN,
  type ServerVariant,
} from "./auth/get-me.js";
import { argon2Verify, measureLogin } from "./auth/login.js";
import { startChild } from "./lib/child.js";
import { type CpuPlan, planCpus } from "./lib/cpus.js";
import type { LoadResult } from "./lib/load.js";
import { type BenchOptions, parseOptions } from "./lib/options.js";
import { fmt, printTable } from "./lib/stats.js";

const options = parseOptions(process.argv.slice(2), process.env);
if (options) await main(options);

async function main(opts: BenchOptions): Promise<void> {
  const variants = opts.getMe ? selectVariants(opts) : [];
  const plan = planCpus(opts.pin);
  printHeader(opts, plan);

  const dataDir = await mkdtemp(join(tmpdir(), "parley-bench-"));
  // What every server child gets: auth's config from the environment, as in production, with
  // the rate limits off (a load test is exactly what they exist to stop) and long-lived tokens
  // (the run must not outlive its tokens; the TTL does not change the cost of verifying one).
  const baseEnv: Record<string, string> = {
    PARLEY_AUTH_DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: opts.logLevel,
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    PARLEY_AUTH_ACCESS_TOKEN_TTL: "1d",
    PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
    PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
    PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "off",
    PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS: "off",
    PARLEY_AUTH_RESET_LIMIT_PER_EMAIL: "off",
  };
  const start = (variant: ServerVariant) =>
    startChild({
      script: variant.script,
      env: { ...baseEnv, ...variant.env },
      core: plan.serverCore,
      nodeArgs: opts.serverNodeArgs,
      discardStdout: variant.discardStdout,
    });
  const window = { warmupMs: opts.warmupSeconds * 1000, durationMs: opts.seconds * 1000 };

  const getMe = new Map<ServerVariant, LoadResult[]>();
  let login: LoadResult | undefined;
  let argon2: { wallMs: number; cpuMs: number } | undefined;
  try {
    if (opts.login) {
      argon2 = await argon2Verify();
      console.log(
        `argon2id verify alone, one at a time on the load generator's core: ${fmt(argon2.cpuMs, 1)} ms CPU (${fmt(argon2.wallMs, 1)} ms wall)`,
      );
    }

    // Parley's auth server creates the database, the signing key and the accounts, then runs
    // the Login benchmark. Every GetMe server afterwards opens that same database.
    const setup = await start(PARLEY);
    const setupClient = createAuthClient(opts.client, setup.port);
    const accounts = await registerAccounts(setupClient, opts.users);
    const userIds = await checkGetMe(setupClient, accounts);
    console.log(`registered ${accounts.length} accounts through ${PARLEY.label}`);
    if (opts.login) {
      login = await measureLogin({
        client: setupClient,
        accounts,
        concurrency: opts.loginConcurrency,
        ...window,
        server: setup.cpu,
      });
      console.log(`Login  ${PARLEY.label}: ${fmt(login.perSecond, 1)} logins/s`);
    }
    setupClient.close();
    await setup.stop();

    for (let round = 1; round <= (variants.length > 0 ? opts.rounds : 0); round++) {
      for (const variant of variants) {
        const server = await start(variant);
        const client = createAuthClient(opts.client, server.port, opts.connections);
        try {
          await checkGetMe(client, accounts, userIds);
          const result = await measureGetMe({
            client,
            accounts,
            concurrency: opts.concurrency,
            ...window,
            server: server.cpu,
          });
          console.log(
            `GetMe  round ${round}/${opts.rounds}  ${variant.label.trim()}: ${fmt(result.perSecond)} req/s`,
          );
          getMe.set(variant, [...(getMe.get(variant) ?? []), result]);
        } finally {
          client.close();
          await server.stop();
        }
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }

  console.log();
  if (login) printLogin(opts, plan, login, argon2);
  if (getMe.size > 0) printGetMe(opts, plan, getMe);
}

function selectVariants(opts: BenchOptions): ServerVariant[] {
  if (!opts.servers) return GET_ME_VARIANTS.filter((v) => opts.ablation || !v.ablation);
  return opts.servers.map((id) => {
    const variant = GET_ME_VARIANTS.find((v) => v.id === id);
    if (!variant) {
      throw new Error(
        `--servers: unknown server "${id}"; known: ${GET_ME_VARIANTS.map((v) => v.id).join(", ")}`,
      );
    }
    return variant;
  });
}

function printHeader(opts: BenchOptions, plan: CpuPlan): void {
  const root = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const model = cpus()[0]?.model.trim() ?? "unknown CPU";
  const client =
    opts.client === "connect"
      ? "@connectrpc/connect-node createGrpcTransport"
      : `@grpc/grpc-js ${root.devDependencies["@grpc/grpc-js"]} + proto-loader`;
  console.log(`Parley benchmarks, ${new Date().toISOString()}, ${treeState()}`);
  console.log(
    `node ${process.version} ${process.platform}/${process.arch}; ${model}; ${cpus().length} cores, ${plan.allowed.length} allowed to this run`,
  );
  console.log(`cores: ${plan.description}`);
  console.log(`UV_THREADPOOL_SIZE: ${process.env.UV_THREADPOOL_SIZE ?? "unset (libuv default 4)"}`);
  console.log(
    `client: ${client}; gRPC over h2c; GetMe over ${opts.connections} HTTP/2 connection(s), Login over 1; no deadline`,
  );
  console.log(
    `windows: ${opts.warmupSeconds} s warm-up + ${opts.seconds} s measured; GetMe: ${opts.concurrency} in flight, ${opts.rounds} round(s); Login: ${opts.loginConcurrency} in flight; ${opts.users} accounts; Parley LOG_LEVEL=${opts.logLevel}`,
  );
  console.log();
}

/** The commit measured, and whether the runtime under test differs from it. */
function treeState(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const head = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--", "mesh", "services", "gen");
    return `commit ${head}${dirty ? " + uncommitted changes in mesh/services/gen" : ""}`;
  } catch {
    return "not a git checkout";
  }
}

function pct(part: number, whole: number): string {
  return `${fmt((100 * part) / whole)}%`;
}

/**
 * CPU that processes other than the benchmark's used during the window: on the server's and the
 * load generator's cores when pinned (as % of each), else machine-wide (in cores). A shared
 * machine shows up here.
 */
function others(r: LoadResult, plan: CpuPlan): string {
  const busy = r.busyByCore;
  if (!busy) return "-";
  if (plan.serverCore !== undefined && plan.clientCore !== undefined) {
    const srv = (busy[plan.serverCore] ?? 0) - (r.server?.cpuMs ?? 0);
    const cli = (busy[plan.clientCore] ?? 0) - r.client.cpuMs;
    return `${pct(Math.max(0, srv), r.wallMs)} / ${pct(Math.max(0, cli), r.wallMs)}`;
  }
  const total = busy.reduce((a, b) => a + b, 0);
  const other = total - (r.server?.cpuMs ?? 0) - r.client.cpuMs;
  return `${fmt(Math.max(0, other) / r.wallMs, 2)} cores`;
}

function errorsOf(r: LoadResult): string {
  return r.errors === 0 ? "0" : `${r.errors} (${r.firstError})`;
}

function printLogin(
  opts: BenchOptions,
  plan: CpuPlan,
  r: LoadResult,
  argon2: { wallMs: number; cpuMs: number } | undefined,
) {
  const { memoryCost, timeCost, parallelism } = OWASP_ARGON2ID;
  console.log(
    `Login (argon2id-bound: m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}), ${opts.loginConcurrency} in flight, server on one core`,
  );
  printTable(
    [
      "server",
      "logins/s",
      "p50 ms",
      "p99 ms",
      "max ms",
      "srv CPU ms/login",
      "srv core",
      "others srv/cli",
      "errors",
    ],
    [
      [
        PARLEY.label,
        fmt(r.perSecond, 1),
        fmt(r.latency.p50, 1),
        fmt(r.latency.p99, 1),
        fmt(r.latency.max, 1),
        r.server ? fmt(r.server.cpuMs / Math.max(1, r.ok), 1) : "-",
        r.server ? pct(r.server.cpuMs, r.server.wallMs) : "-",
        others(r, plan),
        errorsOf(r),
      ],
    ],
  );
  if (argon2 !== undefined) {
    const perLogin = r.server ? r.server.cpuMs / Math.max(1, r.ok) : Number.NaN;
    console.log(
      `  one argon2id verify alone costs ${fmt(argon2.cpuMs, 1)} ms CPU: at most ${fmt(1000 / argon2.cpuMs, 1)} logins/s per core; argon2 is ${pct(argon2.cpuMs, perLogin)} of the server's CPU per login`,
    );
  }
  const pool = process.env.UV_THREADPOOL_SIZE ?? "4, the default";
  console.log(
    `  argon2 runs on libuv's thread pool (UV_THREADPOOL_SIZE=${pool}); with the server pinned to one core the pool's threads share it, so more threads or more calls in flight add latency, not logins/s`,
  );
  console.log();
}

function printGetMe(
  opts: BenchOptions,
  plan: CpuPlan,
  byVariant: Map<ServerVariant, LoadResult[]>,
) {
  // On a shared machine interference only ever slows a run down: each row reports its best
  // round (highest req/s), with the spread over rounds beside it.
  const best = new Map<ServerVariant, LoadResult>();
  for (const [variant, results] of byVariant) {
    best.set(
      variant,
      results.reduce((a, b) => (b.perSecond > a.perSecond ? b : a)),
    );
  }
  console.log(
    `Authenticated unary RPC: GetMe (bearer JWT), ${opts.concurrency} in flight, server on one core` +
      (opts.rounds > 1 ? `, best of ${opts.rounds} interleaved rounds` : ""),
  );
  const cpuUs = (r: LoadResult) =>
    r.server ? (r.server.cpuMs * 1000) / Math.max(1, r.ok) : Number.NaN;
  printTable(
    [
      "server",
      "req/s",
      ...(opts.rounds > 1 ? ["rounds req/s"] : []),
      "p50 ms",
      "p99 ms",
      "srv CPU µs/req",
      "1-core capacity",
      "srv core",
      "cli CPU µs/req",
      "others srv/cli",
      "errors",
    ],
    [...best].map(([variant, r]) => [
      variant.label,
      fmt(r.perSecond),
      ...(opts.rounds > 1
        ? [(byVariant.get(variant) ?? []).map((x) => fmt(x.perSecond)).join(" / ")]
        : []),
      fmt(r.latency.p50, 2),
      fmt(r.latency.p99, 2),
      fmt(cpuUs(r)),
      fmt(1e6 / cpuUs(r)),
      r.server ? pct(r.server.cpuMs, r.server.wallMs) : "-",
      fmt((r.client.cpuMs * 1000) / Math.max(1, r.ok)),
      others(r, plan),
      errorsOf(r),
    ]),
  );
  console.log(
    "  1-core capacity = 1e6 / srv CPU µs per call: what the server's core could serve if it never waited.\n" +
      "  Where srv core is well below 100%, client and server took turns (a closed loop on two cores tends\n" +
      "  to) and req/s understates the server; server CPU per call is the robust comparison.",
  );
  const parley = best.get(PARLEY);
  const plain = best.get(PLAIN);
  if (parley && plain) {
    console.log();
    console.log("Parley / plain @grpc/grpc-js (same handler work, same client, same concurrency):");
    console.log(`  throughput          ${fmt(parley.perSecond / plain.perSecond, 2)}x`);
    console.log(`  p50 latency         ${fmt(parley.latency.p50 / plain.latency.p50, 2)}x`);
    console.log(`  p99 latency         ${fmt(parley.latency.p99 / plain.latency.p99, 2)}x`);
    console.log(`  server CPU per call ${fmt(cpuUs(parley) / cpuUs(plain), 2)}x`);
    console.log(`  1-core capacity     ${fmt(cpuUs(plain) / cpuUs(parley), 2)}x`);
  }
  const clientBound = [...best].filter(([, r]) => r.client.cpuMs / r.client.wallMs > 0.9);
  if (clientBound.length > 0) {
    console.log(
      `  note: the load generator used over 90% of its core for ${clientBound.map(([v]) => v.id).join(", ")}; those rows are client-bound (compare srv CPU µs/req)`,
    );
  }
  console.log();
}

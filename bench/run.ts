/**
 * `npm run bench`: Parley's benchmarks. Prints figures; asserts nothing; not part of `npm test`.
 *
 *  1. Authenticated unary RPC: GetMe with a bearer token against Parley's auth server
 *     (`serveAuth`: the full mesh interceptor chain) and against a plain @grpc/grpc-js server
 *     doing the same work on the same database, driven by the same client at the same
 *     concurrency; prints req/s, p50/p99, server CPU per call and the ratio Parley/plain.
 *  2. Login throughput against Parley's auth server at production argon2id parameters.
 *
 * Servers run in child processes pinned to one core (`taskset`), the load generator in this
 * process on another. See bench/README.md.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { OWASP_ARGON2ID } from "@parley/auth";
import { type BenchAccount, registerAccounts } from "./auth/accounts.js";
import { createAuthClient } from "./auth/client.js";
import {
  checkGetMe,
  GET_ME_VARIANTS,
  measureGetMe,
  PARLEY,
  PLAIN,
  type ServerVariant,
} from "./auth/get-me.js";
import { argon2VerifyMs, measureLogin } from "./auth/login.js";
import { type ServerChild, startChild } from "./lib/child.js";
import { type CpuPlan, planCpus } from "./lib/cpus.js";
import type { LoadResult } from "./lib/load.js";
import { type BenchOptions, parseOptions } from "./lib/options.js";
import { fmt, printTable } from "./lib/stats.js";

const options = parseOptions(process.argv.slice(2), process.env);
if (options) await main(options);

async function main(opts: BenchOptions): Promise<void> {
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
      discardStdout: variant.discardStdout,
    });
  const window = { warmupMs: opts.warmupSeconds * 1000, durationMs: opts.seconds * 1000 };

  const getMeRows: { variant: ServerVariant; result: LoadResult }[] = [];
  let login: LoadResult | undefined;
  let argon2Ms: number | undefined;
  try {
    if (opts.login) {
      process.stdout.write("argon2id verify, one at a time in this process ... ");
      argon2Ms = await argon2VerifyMs();
      console.log(`${fmt(argon2Ms, 1)} ms`);
    }

    // Parley's auth server creates the database, the signing key and the accounts.
    process.stdout.write(`${PARLEY.label}: starting, registering ${opts.users} accounts ... `);
    const parley = await start(PARLEY);
    let client = createAuthClient(opts.client, parley.port);
    const accounts = await registerAccounts(client, opts.users);
    const userIds = await checkGetMe(client, accounts);
    console.log("ok");

    const runGetMe = async (variant: ServerVariant, server: ServerChild) => {
      process.stdout.write(`GetMe  ${variant.label.trim()} (pid ${server.pid}) ... `);
      const result = await measureGetMe({
        client,
        accounts,
        concurrency: opts.concurrency,
        ...window,
        server: server.cpu,
      });
      console.log(`${fmt(result.perSecond)} req/s`);
      getMeRows.push({ variant, result });
    };

    if (opts.getMe) await runGetMe(PARLEY, parley);
    if (opts.login) {
      process.stdout.write(`Login  ${PARLEY.label} (pid ${parley.pid}) ... `);
      login = await measureLogin({
        client,
        accounts,
        concurrency: opts.loginConcurrency,
        ...window,
        server: parley.cpu,
      });
      console.log(`${fmt(login.perSecond, 1)} logins/s`);
    }
    client.close();
    await parley.stop();

    if (opts.getMe) {
      for (const variant of GET_ME_VARIANTS) {
        if (variant === PARLEY || (variant.ablation && !opts.ablation)) continue;
        const server = await start(variant);
        client = createAuthClient(opts.client, server.port);
        try {
          await checkGetMe(client, accounts, userIds);
          await runGetMe(variant, server);
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
  if (getMeRows.length > 0) printGetMe(opts, getMeRows);
  if (login) printLogin(opts, login, argon2Ms);
}

function printHeader(opts: BenchOptions, plan: CpuPlan): void {
  const root = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const model = cpus()[0]?.model.trim() ?? "unknown CPU";
  const pool = process.env.UV_THREADPOOL_SIZE;
  console.log(`Parley benchmarks, ${new Date().toISOString()}`);
  console.log(
    `node ${process.version} ${process.platform}/${process.arch}; ${model}; ${cpus().length} cores, ${plan.allowed.length} allowed to this run`,
  );
  console.log(`cores: ${plan.description}`);
  console.log(`UV_THREADPOOL_SIZE: ${pool ?? "unset (libuv default 4)"}`);
  console.log(
    `client: ${opts.client === "connect" ? "@connectrpc/connect-node createGrpcTransport" : `@grpc/grpc-js ${root.devDependencies["@grpc/grpc-js"]}`}, gRPC over h2c, one HTTP/2 connection, no deadline`,
  );
  console.log(
    `windows: ${opts.warmupSeconds} s warm-up + ${opts.seconds} s measured; GetMe concurrency ${opts.concurrency}, Login concurrency ${opts.loginConcurrency}; ${opts.users} accounts; server LOG_LEVEL=${opts.logLevel}`,
  );
  console.log();
}

function pct(part: number, whole: number): string {
  return `${fmt((100 * part) / whole)}%`;
}

function printGetMe(opts: BenchOptions, rows: { variant: ServerVariant; result: LoadResult }[]) {
  console.log(
    `Authenticated unary RPC: GetMe (bearer JWT), ${opts.concurrency} in flight, server on one core`,
  );
  printTable(
    ["server", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "srv CPU µs/req", "srv core", "client core", "errors"],
    rows.map(({ variant, result: r }) => [
      variant.label,
      fmt(r.perSecond),
      fmt(r.latency.p50, 2),
      fmt(r.latency.p90, 2),
      fmt(r.latency.p99, 2),
      fmt(r.latency.max, 1),
      r.server ? fmt((r.server.cpuMs * 1000) / Math.max(1, r.ok)) : "-",
      r.server ? pct(r.server.cpuMs, r.server.wallMs) : "-",
      pct(r.client.cpuMs, r.client.wallMs),
      r.errors === 0 ? "0" : `${r.errors} (${r.firstError})`,
    ]),
  );
  const parley = rows.find((r) => r.variant === PARLEY)?.result;
  const plain = rows.find((r) => r.variant === PLAIN)?.result;
  if (parley && plain) {
    const cpuPerReq = (r: LoadResult) => (r.server ? r.server.cpuMs / Math.max(1, r.ok) : Number.NaN);
    console.log();
    console.log("Parley / plain @grpc/grpc-js (same handler work, same client, same concurrency):");
    console.log(`  throughput  ${fmt(parley.perSecond / plain.perSecond, 2)}x`);
    console.log(`  p50         ${fmt(parley.latency.p50 / plain.latency.p50, 2)}x`);
    console.log(`  p99         ${fmt(parley.latency.p99 / plain.latency.p99, 2)}x`);
    console.log(`  CPU per req ${fmt(cpuPerReq(parley) / cpuPerReq(plain), 2)}x`);
  }
  const clientBound = rows.filter((r) => r.result.client.cpuMs / r.result.client.wallMs > 0.9);
  if (clientBound.length > 0) {
    console.log(
      `  note: the load generator was above 90% of its core for ${clientBound.map((r) => r.variant.id).join(", ")}; those rows may be client-bound (compare srv CPU µs/req)`,
    );
  }
  console.log();
}

function printLogin(opts: BenchOptions, r: LoadResult, argon2Ms: number | undefined) {
  const { memoryCost, timeCost, parallelism } = OWASP_ARGON2ID;
  console.log(
    `Login throughput (argon2id-bound: m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}), ${opts.loginConcurrency} in flight, server on one core`,
  );
  printTable(
    ["server", "logins/s", "p50 ms", "p99 ms", "max ms", "srv CPU ms/login", "srv core", "errors"],
    [
      [
        PARLEY.label,
        fmt(r.perSecond, 1),
        fmt(r.latency.p50, 1),
        fmt(r.latency.p99, 1),
        fmt(r.latency.max, 1),
        r.server ? fmt(r.server.cpuMs / Math.max(1, r.ok), 1) : "-",
        r.server ? pct(r.server.cpuMs, r.server.wallMs) : "-",
        r.errors === 0 ? "0" : `${r.errors} (${r.firstError})`,
      ],
    ],
  );
  if (argon2Ms !== undefined) {
    console.log(
      `  one argon2id verify alone: ${fmt(argon2Ms, 1)} ms -> ceiling ${fmt(1000 / argon2Ms, 1)} logins/s per core; measured ${pct(r.perSecond, 1000 / argon2Ms)} of it`,
    );
  }
  const pool = process.env.UV_THREADPOOL_SIZE ?? "4 (default)";
  console.log(
    `  argon2 runs on libuv's thread pool (UV_THREADPOOL_SIZE=${pool}); pinned to one core, the pool's threads share it, so more threads or more calls in flight add latency, not logins/s`,
  );
  console.log();
}

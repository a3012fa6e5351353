/**
 * `npm run bench:fanout` (node --import tsx bench/fanout/run.ts): live fan-out, Parley against
 * Socket.IO 4 with @socket.io/redis-adapter, side by side in one run. Prints figures; asserts
 * nothing; not part of `npm test`.
 *
 * N subscribers spread half/half over two instances of each stack (one Redis between them), one
 * busy channel everyone is in and many small channels; publishers (the subscribers themselves)
 * send at increasing open-loop rates. Per step: delivered messages/s, send→receive p50/p99,
 * server CPU per 1,000 deliveries, and the Parley/Socket.IO ratio. See bench/README.md.
 */
import { readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { registerAccounts } from "../auth/accounts.js";
import { createAuthClient } from "../auth/client.js";
import { type ServerChild, startChild } from "../lib/child.js";
import { attributeCpuProfile, summarizeCpuProfile } from "../lib/cpuprofile.js";
import { type CpuPlan, planCpus } from "../lib/cpus.js";
import { fmt, printTable } from "../lib/stats.js";
import { treeState } from "../lib/tree-state.js";
import { type FanoutOptions, parseFanoutOptions, SOCKETIO_IDS, type SystemId } from "./options.js";
import { type BenchUser, startParleyFanout } from "./parley.js";
import { MESSAGING_COMPONENTS } from "./profile-components.js";
import { type BenchRedis, startBenchRedis } from "./redis.js";
import { socketIoMembership, startSocketIoFanout } from "./socketio.js";
import { Deliveries, runStep, type StepResult, settle } from "./step.js";
import type { FanoutSystem } from "./system.js";
import { planWorkload, scheduleOf, type WorkloadPlan } from "./workload.js";

async function main(opts: FanoutOptions): Promise<void> {
  const runStarted = performance.now();
  const plan = planWorkload(opts);
  const cores = planCpus(opts.pin);
  printHeader(opts, cores, plan);

  const dataDir = await mkdtemp(join(tmpdir(), "parley-fanout-"));
  const children: ServerChild[] = [];
  const systems: FanoutSystem[] = [];
  const deliveries = new Deliveries();
  let redis: BenchRedis | undefined;
  const results: StepResult[] = [];
  let profileDir: string | undefined;

  const start = async (
    script: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
    core = cores.serverCore,
  ) => {
    const child = await startChild({
      script,
      env: { LOG_LEVEL: opts.logLevel, OTEL_EXPORTER_OTLP_ENDPOINT: "", ...env },
      core,
      nodeArgs,
      discardStdout: !opts.serverLogs,
    });
    children.push(child);
    return child;
  };

  try {
    redis = await startBenchRedis(cores.serverCore);
    const redisProcess = { label: "redis-server", cpu: redis.cpu };
    // Auth: accounts and tokens for both stacks; JWKS for both stacks' token checks.
    const auth = await start("bench/auth/servers/parley.ts", {
      PARLEY_AUTH_DATA_DIR: join(dataDir, "auth"),
      PORT: "0",
      HOST: "127.0.0.1",
      PARLEY_AUTH_ACCESS_TOKEN_TTL: "1d",
      PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
      PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
      PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "off",
      PARLEY_AUTH_RESET_LIMIT_PER_ADDRESS: "off",
      PARLEY_AUTH_RESET_LIMIT_PER_EMAIL: "off",
    });
    const authUrl = `http://127.0.0.1:${auth.port}`;
    const users = await registerUsers(auth.port, opts.subscribers);
    console.log(`setup: ${users.length} accounts registered (${elapsed(runStarted)})`);

    let parleyChannelIds: readonly string[] | undefined;
    if (opts.systems.includes("parley")) {
      const env = {
        PORT: "0",
        HOST: "127.0.0.1",
        PARLEY_MESSAGING_DATA_DIR: join(dataDir, "messaging"),
        PARLEY_AUTH_URL: authUrl,
        PARLEY_REDIS_URL: redis.url,
        PARLEY_MESSAGING_SEND_LIMIT: "off",
        ...(opts.streamQueue ? { PARLEY_MESSAGING_STREAM_QUEUE: String(opts.streamQueue) } : {}),
      };
      const script = "bench/fanout/servers/messaging.ts";
      let profileArgs: string[] = [];
      if (opts.profileDir) {
        // A fresh folder: Node writes one file per thread (tsx's loader-hooks thread too).
        profileDir = join(resolve(opts.profileDir), `messaging-A-${Date.now()}`);
        profileArgs = ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
      }
      // One at a time: the first creates the database (migrations), the second opens it.
      const a = await start(
        script,
        env,
        profileArgs,
        opts.profileCore === undefined ? cores.serverCore : opts.profileCore,
      );
      const b = await start(script, env);
      const parley = await startParleyFanout({
        plan,
        users,
        instances: [a, b],
        extraProcesses: [redisProcess],
        streamsPerConnection: opts.streamsPerConnection,
        sink: deliveries,
        client: opts.parleyClient,
      });
      parleyChannelIds = parley.channelIds;
      systems.push(parley);
      console.log(
        `setup: Parley: ${plan.channels.length} channels, ${plan.subscribers} streams over ${parley.connections} HTTP/2 connections (${elapsed(runStarted)})`,
      );
    }
    for (const id of SOCKETIO_IDS) {
      if (!opts.systems.includes(id)) continue;
      const membership = socketIoMembership(plan, users, parleyChannelIds);
      const file = join(dataDir, `${id}-membership.json`);
      await writeFile(file, JSON.stringify(membership.byUser));
      const env = {
        BENCH_REDIS_URL: redis.url,
        PARLEY_AUTH_URL: authUrl,
        BENCH_FANOUT_MEMBERSHIP: file,
        BENCH_SOCKETIO_KEY: `bench-${id}`,
        ...(id === "socketio-sqlite"
          ? { BENCH_SOCKETIO_STORE: join(dataDir, "socketio-messages.db") }
          : {}),
      };
      const script = "bench/fanout/servers/socketio.ts";
      const a = await start(script, env);
      const b = await start(script, env);
      const system = await startSocketIoFanout({
        id,
        plan,
        users,
        instances: [a, b],
        extraProcesses: [redisProcess],
        channelIds: membership.channelIds,
        sink: deliveries,
      });
      systems.push(system);
      console.log(
        `setup: ${system.label}: ${plan.subscribers} sockets (one websocket each) (${elapsed(runStarted)})`,
      );
    }
    // The new streams' presence announcements (each stream's user is announced to every
    // stream sharing a channel: subscribers² events through the busy channel): let them pass.
    const settling = performance.now();
    await settle(deliveries, { quietMs: 1_000, minMs: 3_000, maxMs: 120_000 });
    console.log(`setup: quiet again after ${elapsed(settling)} (${elapsed(runStarted)})`);

    // Correctness first: one message to every channel must reach every member, on both stacks.
    let step = 1;
    for (const system of systems) {
      const check = await runStep({
        system,
        plan,
        deliveries,
        step: step++,
        rate: 200,
        next: checkSchedule(plan),
        warmupMs: 0,
        durationMs: (plan.channels.length * 1000) / 200,
        maxInFlight: 10_000,
        drainMs: 10_000,
      });
      const complete = check.completeness === 1 && check.sendErrors === 0;
      console.log(
        `check: ${system.label}: one message per channel reached ${fmt(100 * check.completeness, 2)}% of its members` +
          (check.sendErrors ? `, ${check.sendErrors} send errors (${check.firstError})` : ""),
      );
      if (!complete) throw new Error(`${system.label} did not deliver the check messages`);
      deliveries.retire(-1);
    }
    console.log();

    const saturated = new Set<SystemId>();
    for (const rate of opts.rates) {
      for (const system of systems) {
        if (saturated.has(system.id)) continue;
        await settle(deliveries, { quietMs: 300, maxMs: 10_000 });
        const result = await runStep({
          system,
          plan,
          deliveries,
          step: step++,
          rate,
          next: scheduleOf(plan, opts.seed + rate),
          warmupMs: opts.warmupSeconds * 1000,
          durationMs: opts.seconds * 1000,
          maxInFlight: opts.maxInFlight,
        });
        deliveries.retire(step - 1);
        results.push(result);
        printProgress(result);
        // Refused and shed sends count as not kept: a server that refuses most of the load
        // has stopped keeping up too.
        const issued = (result.sentPerSecond * result.wallMs) / 1000 + result.shed;
        const accepted = 1 - (result.sendErrors + result.shed) / Math.max(1, issued);
        const kept = Math.min(
          result.completeness,
          result.deliveredPerSecond / result.owedPerSecond,
          accepted,
        );
        if (!(kept >= opts.stopBelow)) saturated.add(system.id);
      }
    }
  } finally {
    await Promise.allSettled(systems.map((s) => s.close()));
    await Promise.allSettled(children.map((c) => c.stop()));
    await redis?.close();
    await rm(dataDir, { recursive: true, force: true });
  }

  console.log();
  printResults(opts, cores, plan, results);
  if (deliveries.strays > 0) {
    console.log(`  note: ${deliveries.strays} deliveries arrived after their step was retired`);
  }
  if (profileDir) {
    const steps = results.filter((r) => r.system.id === "parley");
    // The steps' windows (CLOCK_MONOTONIC µs), to crop the profile to another step later.
    await writeFile(
      join(profileDir, "windows.json"),
      JSON.stringify(steps.map((r) => ({ rate: r.rate, ...r.window }))),
    );
    printProfile(profileDir, steps[steps.length - 1]);
  }
  console.log(`run took ${elapsed(runStarted)}`);
}

/** Registers the accounts through auth (argon2id at production parameters, 4 at a time). */
async function registerUsers(authPort: number, count: number): Promise<BenchUser[]> {
  const client = createAuthClient("connect", authPort);
  const accounts = await registerAccounts(client, count);
  const users: BenchUser[] = [];
  for (const account of accounts) {
    users.push({ id: await client.getMe(account.accessToken), accessToken: account.accessToken });
  }
  client.close();
  return users;
}

/** One message to every non-empty channel, from its first member, in order. */
function checkSchedule(plan: WorkloadPlan) {
  const channels = plan.channels.filter((c) => c.members.length > 0);
  let i = 0;
  return () => {
    const channel = channels[i++ % channels.length]!;
    return { channel: channel.index, author: channel.members[0]! };
  };
}

function elapsed(since: number): string {
  return `${fmt((performance.now() - since) / 1000, 1)} s`;
}

function printHeader(opts: FanoutOptions, cores: CpuPlan, plan: WorkloadPlan): void {
  const model = cpus()[0]?.model.trim() ?? "unknown CPU";
  const small = plan.channels.slice(1).filter((c) => c.members.length > 0);
  const sizes = small.map((c) => c.members.length);
  console.log(`Parley fan-out benchmark, ${new Date().toISOString()}, ${treeState()}`);
  console.log(
    `node ${process.version} ${process.platform}/${process.arch}; ${model}; ${cpus().length} cores, ${cores.allowed.length} allowed to this run`,
  );
  console.log(
    `cores: ${cores.description}${cores.serverCore !== undefined ? "; every server process (2 instances, redis-server, auth) shares the server core" : ""}` +
      (opts.profileCore !== undefined
        ? `; except messaging instance A (profiled), pinned to core ${opts.profileCore}`
        : ""),
  );
  console.log(
    `workload: ${plan.subscribers} subscribers (half on each instance); busy channel: all ${plan.subscribers}; ${small.length} small channels of ${Math.min(...sizes)}-${Math.max(...sizes)} members (${opts.memberships} per subscriber); ${fmt(100 * plan.busyShare)}% of messages to the busy channel: ${fmt(plan.meanFanout, 1)} deliveries per message on average`,
  );
  console.log(
    `steps: ${opts.rates.join(", ")} msg/s offered (open loop), ${opts.warmupSeconds} s warm-up + ${opts.seconds} s measured each; a system stops stepping up after a step that delivered < ${fmt(100 * opts.stopBelow)}% of what it owed`,
  );
  console.log(
    `Parley: ${opts.streamsPerConnection} Subscribe streams per HTTP/2 connection (gRPC; client: ${opts.parleyClient === "lite" ? "the bench's own over node:http2, every event decoded with protobuf-es" : "connect-node"}), LOG_LEVEL=${opts.logLevel}, send limit off, stream queue ${opts.streamQueue ?? "default (1000)"}; Socket.IO: one websocket per subscriber`,
  );
  console.log();
}

function printProgress(r: StepResult): void {
  console.log(
    `${r.system.id.padEnd(15)} ${String(r.rate).padStart(5)} msg/s offered: ${fmt(r.deliveredPerSecond)} delivered/s, p50 ${fmt(r.latency.p50, 1)} ms, p99 ${fmt(r.latency.p99, 1)} ms, ${fmt(100 * r.completeness, 1)}% arrived, srv ${fmt(r.serverCpuMs / r.wallMs, 2)} cores, ${fmt(cpuPerDeliveryToDrain(r), 4)} s CPU/1k to drain`,
  );
}

/** How the tables name each stack. */
const SHORT_NAMES: Record<SystemId, string> = {
  parley: "Parley",
  socketio: "Socket.IO",
  "socketio-sqlite": "Socket.IO+SQL",
};

const pct = (part: number, whole: number) => `${fmt((100 * part) / whole)}%`;

/** Server CPU ms per delivery = CPU seconds per 1,000 deliveries. */
const cpuPerDelivery = (r: StepResult) =>
  r.serverCpuMs / Math.max(1, (r.deliveredPerSecond * r.wallMs) / 1000);

/** The same from the window's start to the end of its drain (see `StepResult.drainedCpuMs`). */
const cpuPerDeliveryToDrain = (r: StepResult) => r.drainedCpuMs / Math.max(1, r.deliveredToDrain);

/** The share of the server and client cores that processes other than the run's took. */
function others(r: StepResult, cores: CpuPlan): string {
  const busy = r.busyByCore;
  if (!busy || cores.serverCore === undefined || cores.clientCore === undefined) return "-";
  const srv = (busy[cores.serverCore] ?? 0) - r.serverCpu.reduce((s, p) => s + p.window.cpuMs, 0);
  const cli = (busy[cores.clientCore] ?? 0) - r.clientCpuMs;
  return `${pct(Math.max(0, srv), r.wallMs)} / ${pct(Math.max(0, cli), r.wallMs)}`;
}

/**
 * The step kept up: every send was accepted, (nearly) everything owed arrived, at the rate it
 * was owed.
 */
function keptUp(r: StepResult): boolean {
  return (
    r.sendErrors + r.shed === 0 &&
    r.completeness >= 0.999 &&
    r.deliveredPerSecond >= 0.95 * r.owedPerSecond
  );
}

function printResults(
  opts: FanoutOptions,
  cores: CpuPlan,
  plan: WorkloadPlan,
  results: readonly StepResult[],
): void {
  console.log(
    `Fan-out: ${plan.subscribers} subscribers on 2 instances, ${fmt(plan.meanFanout, 1)} deliveries/message; ${opts.seconds} s windows`,
  );
  printTable(
    [
      "system",
      "offered/s",
      "sent/s",
      "delivered/s",
      "owed/s",
      "arrived",
      "p50 ms",
      "p99 ms",
      "max ms",
      "ack p99 ms",
      "srv CPU s/1k",
      "to drain",
      "srv cores",
      "cli core",
      "others srv/cli",
      "reconn.",
      "errors",
    ],
    results.map((r) => [
      SHORT_NAMES[r.system.id],
      fmt(r.rate),
      fmt(r.sentPerSecond),
      fmt(r.deliveredPerSecond),
      fmt(r.owedPerSecond),
      `${fmt(100 * r.completeness, 1)}%`,
      fmt(r.latency.p50, 1),
      fmt(r.latency.p99, 1),
      fmt(r.latency.max, 0),
      fmt(r.ack.p99, 1),
      fmt(cpuPerDelivery(r), 4),
      fmt(cpuPerDeliveryToDrain(r), 4),
      fmt(r.serverCpuMs / r.wallMs, 2),
      pct(r.clientCpuMs, r.wallMs),
      others(r, cores),
      String(r.reconnects),
      r.sendErrors + r.shed === 0 ? "0" : `${r.sendErrors}${r.shed ? ` +${r.shed} shed` : ""}`,
    ]),
  );
  const failed = results.filter((r) => r.firstError);
  for (const r of failed) {
    console.log(`  first send error at ${r.system.id} ${r.rate}: ${r.firstError?.slice(0, 120)}`);
  }
  console.log(
    "  delivered/s: bench messages received by subscribers in the window; owed/s: what the window's accepted sends owed\n" +
      "  (one per member; a refused send is an error and owes nothing); arrived: share of that which arrived (waiting up to 15 s\n" +
      "  after the window);\n" +
      "  latency: send issued -> subscriber received, every delivery of the window's messages; ack: send -> server's ack;\n" +
      "  srv CPU s/1k: CPU seconds of both instances + redis-server per 1,000 deliveries (= ms per delivery);\n" +
      "  to drain: the same from the window's start until its messages had all arrived (steady under overload or a busy machine);\n" +
      "  srv cores: the same CPU per second of window (1.00 = the whole server core).",
  );

  console.log();
  console.log("Server CPU by process (cores)");
  const labels = [...new Set(results.flatMap((r) => r.serverCpu.map((p) => p.label)))];
  printTable(
    ["system", "offered/s", ...labels, "others srv/cli", "publish lag p99 ms", "other events/s"],
    results.map((r) => [
      SHORT_NAMES[r.system.id],
      fmt(r.rate),
      ...labels.map((label) => {
        const p = r.serverCpu.find((x) => x.label === label);
        return p ? fmt(p.window.cpuMs / r.wallMs, 2) : "";
      }),
      others(r, cores),
      fmt(r.lagP99, 1),
      fmt(r.otherPerSecond),
    ]),
  );

  const duplicated = results.filter((r) => r.duplicates > 0);
  if (duplicated.length > 0) {
    console.log(
      `  note: duplicate deliveries at ${duplicated.map((r) => `${r.system.id} ${r.rate}: ${r.duplicates}`).join(", ")}`,
    );
  }
  const clientBound = results.filter((r) => r.clientCpuMs / r.wallMs > 0.9);
  if (clientBound.length > 0) {
    console.log(
      `  note: the load generator used over 90% of its core at ${clientBound.map((r) => `${r.system.id} ${r.rate}`).join(", ")}: client-bound, compare srv CPU s/1k there`,
    );
  }

  const parley = results.filter((r) => r.system.id === "parley");
  for (const id of SOCKETIO_IDS) {
    const other = results.filter((r) => r.system.id === id);
    if (parley.length > 0 && other.length > 0) printRatios(opts, parley, other, SHORT_NAMES[id]);
  }
}

/** Parley against one other stack, step by step and at each one's best. */
function printRatios(
  opts: FanoutOptions,
  parley: readonly StepResult[],
  other: readonly StepResult[],
  name: string,
): void {
  console.log();
  console.log(
    `Parley / ${name} at each offered rate (> 1 is better for delivered/s, < 1 for the rest):`,
  );
  const rows: string[][] = [];
  for (const rate of opts.rates) {
    const p = parley.find((r) => r.rate === rate);
    const s = other.find((r) => r.rate === rate);
    if (!p || !s) continue;
    rows.push([
      fmt(rate),
      `${fmt(p.deliveredPerSecond / s.deliveredPerSecond, 2)}x`,
      `${fmt(p.latency.p50 / s.latency.p50, 2)}x`,
      `${fmt(p.latency.p99 / s.latency.p99, 2)}x`,
      `${fmt(cpuPerDelivery(p) / cpuPerDelivery(s), 2)}x`,
      `${fmt(cpuPerDeliveryToDrain(p) / cpuPerDeliveryToDrain(s), 2)}x`,
      `${keptUp(p) ? "yes" : "no"} / ${keptUp(s) ? "yes" : "no"}`,
    ]);
  }
  printTable(
    ["offered/s", "delivered/s", "p50", "p99", "srv CPU per delivery", "to drain", "kept up P/S"],
    rows,
  );
  const best = (rs: readonly StepResult[]) =>
    rs
      .filter(keptUp)
      .reduce<StepResult | undefined>(
        (a, b) => (!a || b.deliveredPerSecond > a.deliveredPerSecond ? b : a),
        undefined,
      );
  const bp = best(parley);
  const bs = best(other);
  // CPU per delivery at the step that delivered the most (the most loaded productive step; an
  // overloaded step that collapsed would understate the capacity).
  const peak = (rs: readonly StepResult[]) =>
    rs.reduce((a, b) => (b.deliveredPerSecond > a.deliveredPerSecond ? b : a));
  const capacity = (rs: readonly StepResult[]) => 1000 / cpuPerDelivery(peak(rs));
  const keptText = (r: StepResult | undefined) =>
    r
      ? `${fmt(r.deliveredPerSecond)} delivered/s at ${fmt(r.rate)} msg/s (p99 ${fmt(r.latency.p99, 1)} ms)`
      : "none";
  const peakText = (rs: readonly StepResult[]) =>
    `${fmt(peak(rs).deliveredPerSecond)} (at ${fmt(peak(rs).rate)} msg/s, p99 ${fmt(peak(rs).latency.p99, 1)} ms)`;
  console.log(
    `  highest step kept up (no send refused or shed, >= 99.9% arrived, delivered >= 95% of owed): Parley ${keptText(bp)}; ${name} ${keptText(bs)}` +
      (bp && bs ? `; ratio ${fmt(bp.deliveredPerSecond / bs.deliveredPerSecond, 2)}x` : ""),
  );
  console.log(
    `  peak delivered/s: Parley ${peakText(parley)}, ${name} ${peakText(other)}: ratio ${fmt(peak(parley).deliveredPerSecond / peak(other).deliveredPerSecond, 2)}x\n` +
      `  one server core's capacity at that step's CPU per delivery (1,000 / srv CPU ms per delivery): Parley ${fmt(capacity(parley))} deliveries/s, ${name} ${fmt(capacity(other))} deliveries/s: ratio ${fmt(capacity(parley) / capacity(other), 2)}x`,
  );
}

function printProfile(dir: string, step: StepResult | undefined): void {
  let path: string;
  let summary: ReturnType<typeof summarizeCpuProfile>;
  try {
    // The main thread's profile is the one with the most busy time.
    const all = readdirSync(dir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => ({
        path: join(dir, f),
        summary: summarizeCpuProfile(join(dir, f), resolve("."), step?.window),
      }))
      .sort((a, b) => b.summary.busyMs - a.summary.busyMs);
    if (!all[0]) throw new Error("no .cpuprofile written");
    ({ path, summary } = all[0]);
  } catch (err) {
    console.log(`profile: could not read ${dir}: ${(err as Error).message}`);
    return;
  }
  console.log();
  console.log(
    `CPU profile of messaging instance A, main thread (${path})` +
      (step
        ? `, cropped to the measured window of the ${fmt(step.rate)} msg/s step`
        : ", whole life") +
      `: ${fmt(summary.totalMs / 1000, 2)} s, busy ${fmt(summary.busyMs / 1000, 2)} s (${pct(summary.busyMs, summary.totalMs)})`,
  );
  printTable(
    ["where the time goes (natives charged to their caller)", "self ms", "share"],
    attributeCpuProfile(path, MESSAGING_COMPONENTS, step?.window).map((c) => [
      c.name,
      fmt(c.selfMs),
      `${fmt(100 * c.share, 1)}%`,
    ]),
  );
  console.log();
  printTable(
    ["self time by where the code lives", "self ms", "share"],
    summary.categories
      .slice(0, 18)
      .map((c) => [c.name, fmt(c.selfMs), `${fmt(100 * c.share, 1)}%`]),
  );
  console.log();
  printTable(
    ["top functions by self time", "where", "self ms", "share"],
    summary.functions
      .slice(0, 30)
      .map((f) => [f.name, f.where, fmt(f.selfMs), `${fmt(100 * f.share, 1)}%`]),
  );
  console.log();
}

// Last, so every constant above is initialised before main() runs.
const options = parseFanoutOptions(process.argv.slice(2), process.env);
if (options) {
  await main(options);
  // Client sockets and HTTP/2 sessions can linger a moment after close; nothing is left to do.
  process.exit(0);
}

import { setTimeout as sleep } from "node:timers/promises";
import { hrtimeUs, type ProfileWindow } from "../lib/cpuprofile.js";
import type { CpuWindow } from "../lib/load.js";
import { busyDelta, busyMsByCore } from "../lib/machine.js";
import { LatencyRecorder, type LatencySummary } from "../lib/stats.js";
import type { DeliverySink, FanoutSystem } from "./system.js";
import { messageText, type Publish, parseMessageText, type WorkloadPlan } from "./workload.js";

/** What one step (one system at one offered rate) measured. */
export interface StepResult {
  readonly system: FanoutSystem;
  readonly rate: number;
  readonly wallMs: number;
  /** Sends issued in the window, per second. */
  readonly sentPerSecond: number;
  /** Sends skipped in the window because `maxInFlight` sends were already waiting. */
  readonly shed: number;
  readonly sendErrors: number;
  readonly firstError: string | undefined;
  /** Bench messages received by subscribers inside the window, per second. */
  readonly deliveredPerSecond: number;
  /**
   * What the messages sent in the window owed (one per member), per second of window; a send
   * the server refused owes nothing (it is an error instead).
   */
  readonly owedPerSecond: number;
  /** Of the deliveries owed for messages sent in the window, the share that arrived (drain included). */
  readonly completeness: number;
  /** Send → receive, every delivery of a message sent in the window (drain included). */
  readonly latency: LatencySummary;
  /** Send → server's ack (SendMessage response / Socket.IO ack), sends issued in the window. */
  readonly ack: LatencySummary;
  /** How late the generator issued sends against the schedule (p99, ms): a busy runner shows here. */
  readonly lagP99: number;
  /** CPU of every server-side process over the window, by process label. */
  readonly serverCpu: readonly { readonly label: string; readonly window: CpuWindow }[];
  readonly serverCpuMs: number;
  /**
   * Server CPU from the start of the window until the window's messages had all arrived (end
   * of the drain), and the deliveries made in that time: a cost per delivery that stays right
   * when the servers fall behind (or other programs take the core) and deliver after the window.
   */
  readonly drainedCpuMs: number;
  readonly deliveredToDrain: number;
  /** The runner's own CPU (publishers and every subscriber client) over the window. */
  readonly clientCpuMs: number;
  readonly busyByCore: number[] | undefined;
  /** Non-message events received by subscribers in the window, per second. */
  readonly otherPerSecond: number;
  /** Streams/sockets reopened during the step (warm-up, window and drain). */
  readonly reconnects: number;
  readonly reconnectReason: string | undefined;
  /** Deliveries of messages sent in the window that arrived more than once. */
  readonly duplicates: number;
  /** The window in CLOCK_MONOTONIC µs, to crop a server's CPU profile to it. */
  readonly window: ProfileWindow;
}

/** The bookkeeping of one step: per message its send time, what it owes and what arrived. */
class StepLedger {
  t0: Float64Array;
  owed: Uint16Array;
  received: Uint16Array;
  inWindow: Uint8Array;
  size = 0;
  phase: "warmup" | "measure" | "drain" = "warmup";
  deliveredInWindow = 0;
  /** Deliveries from the start of the window to the end of the drain (any message of the step). */
  deliveredSinceWindow = 0;
  otherInWindow = 0;
  lastDeliveryAt = 0;
  readonly latency = new LatencyRecorder();
  readonly ack = new LatencyRecorder();
  readonly lag = new LatencyRecorder();

  constructor(capacity: number) {
    this.t0 = new Float64Array(capacity);
    this.owed = new Uint16Array(capacity);
    this.received = new Uint16Array(capacity);
    this.inWindow = new Uint8Array(capacity);
  }

  add(t0: number, owed: number): number {
    if (this.size === this.t0.length) this.#grow();
    const seq = this.size++;
    this.t0[seq] = t0;
    this.owed[seq] = owed;
    this.inWindow[seq] = this.phase === "measure" ? 1 : 0;
    return seq;
  }

  deliver(seq: number, at: number): void {
    if (seq >= this.size) return;
    this.received[seq]!++;
    this.lastDeliveryAt = at;
    if (this.phase === "measure") this.deliveredInWindow++;
    if (this.phase !== "warmup") this.deliveredSinceWindow++;
    if (this.inWindow[seq]) this.latency.record(at - this.t0[seq]!);
  }

  /** Deliveries owed and arrived (and extra copies) for the messages sent in the window. */
  windowTotals(): { owed: number; arrived: number; duplicates: number; messages: number } {
    let owed = 0;
    let arrived = 0;
    let duplicates = 0;
    let messages = 0;
    for (let seq = 0; seq < this.size; seq++) {
      if (!this.inWindow[seq]) continue;
      messages++;
      owed += this.owed[seq]!;
      arrived += Math.min(this.received[seq]!, this.owed[seq]!);
      duplicates += Math.max(0, this.received[seq]! - this.owed[seq]!);
    }
    return { owed, arrived, duplicates, messages };
  }

  #grow(): void {
    const n = this.t0.length * 2;
    const t0 = new Float64Array(n);
    t0.set(this.t0);
    const owed = new Uint16Array(n);
    owed.set(this.owed);
    const received = new Uint16Array(n);
    received.set(this.received);
    const inWindow = new Uint8Array(n);
    inWindow.set(this.inWindow);
    Object.assign(this, { t0, owed, received, inWindow });
  }
}

/**
 * Routes what subscribers receive to the ledger of the step that sent it (a late delivery of an
 * earlier step still lands in that step's ledger, never in the current one's figures).
 */
export class Deliveries implements DeliverySink {
  readonly #ledgers = new Map<number, StepLedger>();
  #current: StepLedger | undefined;
  #lastActivity = 0;
  /** Bench messages whose text did not parse or whose step is unknown (should stay 0). */
  strays = 0;

  /** When a subscriber last received anything (`performance.now()`). */
  lastActivity(): number {
    return this.#lastActivity;
  }

  open(step: number, capacity: number): StepLedger {
    const ledger = new StepLedger(capacity);
    this.#ledgers.set(step, ledger);
    this.#current = ledger;
    return ledger;
  }

  /** Drops the ledgers of finished steps except the last one (late arrivals are then strays). */
  retire(keep: number): void {
    for (const step of this.#ledgers.keys()) if (step !== keep) this.#ledgers.delete(step);
  }

  message(text: string, at: number): void {
    this.#lastActivity = at;
    const parsed = parseMessageText(text);
    const ledger = parsed && this.#ledgers.get(parsed.step);
    if (!parsed || !ledger) {
      this.strays++;
      return;
    }
    ledger.deliver(parsed.seq, at);
  }

  other(): void {
    this.#lastActivity = performance.now();
    if (this.#current?.phase === "measure") this.#current.otherInWindow++;
  }
}

export interface StepOptions {
  readonly system: FanoutSystem;
  readonly plan: WorkloadPlan;
  readonly deliveries: Deliveries;
  /** A unique number for this step (carried in every message's text). */
  readonly step: number;
  readonly rate: number;
  readonly next: () => Publish;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxInFlight: number;
  /** Longest wait after the window for the window's messages to arrive. */
  readonly drainMs?: number;
}

/**
 * One open-loop step: sends at `rate` messages/s on a 1 ms timer (each send is issued when its
 * turn comes, whether earlier sends were acknowledged or not, up to `maxInFlight` waiting),
 * first for the warm-up, then for the measured window (server CPU snapshots at both ends), then
 * waits for the window's messages to arrive everywhere (or for deliveries to stop).
 */
export async function runStep(options: StepOptions): Promise<StepResult> {
  const { system, plan, deliveries, rate } = options;
  const capacity = Math.ceil((rate * (options.warmupMs + options.durationMs + 1000)) / 1000) + 64;
  const ledger = deliveries.open(options.step, capacity);
  const counters0 = system.counters();

  let inFlight = 0;
  let shed = 0;
  let sendErrors = 0;
  let firstError: string | undefined;
  let issued = 0;
  let stopped = false;
  const start = performance.now();
  const interval = 1000 / rate;

  const issue = (scheduledAt: number) => {
    const publish = options.next();
    if (inFlight >= options.maxInFlight) {
      if (ledger.phase === "measure") shed++;
      return;
    }
    const t0 = performance.now();
    if (ledger.phase === "measure") ledger.lag.record(t0 - scheduledAt);
    const owed = plan.channels[publish.channel]!.members.length;
    const seq = ledger.add(t0, owed);
    const counted = ledger.phase === "measure";
    inFlight++;
    system.send(publish.channel, publish.author, messageText(options.step, seq, t0)).then(
      () => {
        inFlight--;
        if (counted) ledger.ack.record(performance.now() - t0);
      },
      (err: unknown) => {
        inFlight--;
        // A refused send (say resource_exhausted from an overloaded server) owes nothing: it is
        // counted as an error, and `arrived` stays about the messages the server accepted.
        ledger.owed[seq] = 0;
        if (!counted) return;
        sendErrors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      },
    );
  };
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    const due = Math.floor((now - start) / interval) + 1;
    while (issued < due) issue(start + issued++ * interval);
    timer = setTimeout(tick, 1);
  };
  tick();

  await sleep(options.warmupMs);
  await Promise.all(system.processes.map((p) => p.cpu.start()));
  const busy0 = busyMsByCore();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const fromUs = hrtimeUs();
  const sent0 = ledger.size;
  ledger.phase = "measure";
  await sleep(options.durationMs);
  ledger.phase = "drain";
  stopped = true;
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  const toUs = hrtimeUs();
  const cpu = process.cpuUsage(cpu0);
  const busyByCore = busyDelta(busy0, busyMsByCore());
  const serverCpu = await Promise.all(
    system.processes.map(async (p) => ({ label: p.label, window: await p.cpu.end() })),
  );
  const sentInWindow = ledger.size - sent0;

  // Drain: wait until every message of the window has reached all its members, until deliveries
  // stop for 2 s, or for `drainMs` at most; then for sends still waiting for their ack.
  const drainUntil = performance.now() + (options.drainMs ?? 15_000);
  for (;;) {
    const { owed, arrived } = ledger.windowTotals();
    const now = performance.now();
    if (arrived >= owed || now > drainUntil) break;
    // Any event counts as progress: a backlog of other events (presence) still moves.
    const progress = Math.max(ledger.lastDeliveryAt, deliveries.lastActivity(), t0 + wallMs);
    if (now - progress > 2_000) break;
    await sleep(50);
  }
  while (inFlight > 0 && performance.now() < drainUntil + 5_000) await sleep(20);
  const drained = await Promise.all(system.processes.map((p) => p.cpu.end()));
  const deliveredToDrain = ledger.deliveredSinceWindow;

  const totals = ledger.windowTotals();
  const counters1 = system.counters();
  const seconds = wallMs / 1000;
  return {
    system,
    rate,
    wallMs,
    sentPerSecond: sentInWindow / seconds,
    shed,
    sendErrors,
    firstError,
    deliveredPerSecond: ledger.deliveredInWindow / seconds,
    owedPerSecond: totals.owed / seconds,
    completeness: totals.owed === 0 ? Number.NaN : totals.arrived / totals.owed,
    latency: ledger.latency.summary(),
    ack: ledger.ack.summary(),
    lagP99: ledger.lag.summary().p99,
    serverCpu,
    serverCpuMs: serverCpu.reduce((sum, p) => sum + p.window.cpuMs, 0),
    drainedCpuMs: drained.reduce((sum, w) => sum + w.cpuMs, 0),
    deliveredToDrain,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    busyByCore,
    otherPerSecond: ledger.otherInWindow / seconds,
    reconnects: counters1.reconnects - counters0.reconnects,
    reconnectReason: counters1.lastReconnectReason,
    duplicates: totals.duplicates,
    window: { fromUs, toUs },
  };
}

/**
 * Waits at least `minMs`, then until subscribers have received nothing for `quietMs` (the
 * backlog of a step, or the presence announcements of new streams, which start late), for
 * `maxMs` at most.
 */
export async function settle(
  deliveries: { lastActivity(): number },
  options: { quietMs: number; minMs?: number; maxMs: number },
): Promise<void> {
  const started = performance.now();
  await sleep(options.minMs ?? 0);
  while (performance.now() - started < options.maxMs) {
    if (performance.now() - deliveries.lastActivity() >= options.quietMs) return;
    await sleep(50);
  }
}

import { parseArgs } from "node:util";

/** The two stacks the fan-out benchmark can drive. */
/**
 * The stacks: Parley; Socket.IO 4 + redis-adapter as the issue names it (persists nothing); and
 * the same Socket.IO servers writing each message to a shared SQLite file before broadcasting it
 * (what a Socket.IO chat that keeps history does), for context on what durability costs.
 */
export type SystemId = "parley" | "socketio" | "socketio-sqlite";

export const SYSTEM_IDS: readonly SystemId[] = ["parley", "socketio", "socketio-sqlite"];
/** The Socket.IO stacks: plain, and writing each message to SQLite first. */
export const SOCKETIO_IDS = ["socketio", "socketio-sqlite"] as const satisfies readonly SystemId[];

/** Everything a fan-out run can be told; flags win over FANOUT_* variables, which win over defaults. */
export interface FanoutOptions {
  /** Publish rates (messages/s offered), one step each, in order. */
  readonly rates: readonly number[];
  /** Measured window per step. */
  readonly seconds: number;
  /** Sending at the step's rate before the window (nothing recorded). */
  readonly warmupSeconds: number;
  /** Subscribers (one account and one stream or socket each), spread half/half over 2 instances. */
  readonly subscribers: number;
  /** Small channels; every subscriber is in `memberships` of them. */
  readonly smallChannels: number;
  /** Small channels per subscriber (besides the busy channel every subscriber is in). */
  readonly memberships: number;
  /** Share of messages that go to the busy channel (the rest: a random small channel). */
  readonly busyShare: number;
  /** Parley: Subscribe streams multiplexed per HTTP/2 connection. */
  readonly streamsPerConnection: number;
  /** Parley's load-generating client: the bench's own gRPC client, or connect-node's. */
  readonly parleyClient: "lite" | "connect";
  /** Sends in flight beyond which the publisher skips (and counts) messages instead of queueing. */
  readonly maxInFlight: number;
  /** Which stacks to run; steps interleave them (rate 1: A B, rate 2: A B, ...). */
  readonly systems: readonly SystemId[];
  /** Stop stepping a system up once a step delivered less than this share of what it owed. */
  readonly stopBelow: number;
  /** LOG_LEVEL of the Parley servers. */
  readonly logLevel: string;
  /** Let the servers' stdout (Parley's pino logs) through instead of discarding it. */
  readonly serverLogs: boolean;
  readonly pin: boolean;
  /** Directory for a CPU profile of messaging instance A (`--cpu-prof`); undefined: none. */
  readonly profileDir: string | undefined;
  /**
   * Core for messaging instance A instead of the servers' core (a profile without the other
   * server processes preempting it); undefined: with the others.
   */
  readonly profileCore: number | undefined;
  /** Parley's per-stream queue limit (PARLEY_MESSAGING_STREAM_QUEUE); undefined: its default. */
  readonly streamQueue: number | undefined;
  readonly seed: number;
}

export const USAGE = `npm run bench:fanout [-- options]     (node --import tsx bench/fanout/run.ts)

  --rates=LIST              publish rates, msg/s, one step each   FANOUT_RATES        (50,100,200,400,600,800,1200,1600,3200)
  --seconds=N               measured window per step              FANOUT_SECONDS      (4)
  --warmup=N                sending before each window            FANOUT_WARMUP       (1)
  --subscribers=N           accounts with one live stream each    FANOUT_SUBSCRIBERS  (200)
  --small-channels=N        small channels                        FANOUT_SMALL        (50)
  --memberships=N           small channels per subscriber         FANOUT_MEMBERSHIPS  (2)
  --busy-share=X            share of messages to the busy channel FANOUT_BUSY_SHARE   (0.1)
  --streams-per-connection=N  Parley streams per HTTP/2 conn.     FANOUT_STREAMS_PER_CONNECTION (20)
  --parley-client=lite|connect  Parley's subscribers and senders: FANOUT_PARLEY_CLIENT (lite)
                            the bench's gRPC client over node:http2 (grpc-lite.ts) or
                            connect-node's createGrpcTransport
  --max-in-flight=N         sends in flight before shedding       FANOUT_MAX_IN_FLIGHT (2000)
  --systems=LIST            parley,socketio[,socketio-sqlite]     FANOUT_SYSTEMS      (parley,socketio)
  --stop-below=X            stop a system's steps after one that  FANOUT_STOP_BELOW   (0.5)
                            delivered less than X of what it owed
  --stream-queue=N          Parley PARLEY_MESSAGING_STREAM_QUEUE  FANOUT_STREAM_QUEUE (service default)
  --profile=DIR             --cpu-prof messaging instance A       FANOUT_PROFILE      (off)
  --profile-core=N          pin messaging instance A to core N    FANOUT_PROFILE_CORE (the servers' core)
  --seed=N                  workload PRNG seed                    FANOUT_SEED         (1)
  --log-level=LEVEL         LOG_LEVEL of the Parley servers       FANOUT_LOG_LEVEL    (warn)
  --server-logs             show the servers' stdout (pino logs)  FANOUT_SERVER_LOGS=1 (discarded)
  --no-pin                  do not pin processes to cores         BENCH_PIN=0         (pinned)`;

/** Parses argv and FANOUT_* variables; undefined after printing usage for --help. */
export function parseFanoutOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): FanoutOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rates: { type: "string" },
      seconds: { type: "string" },
      warmup: { type: "string" },
      subscribers: { type: "string" },
      "small-channels": { type: "string" },
      memberships: { type: "string" },
      "busy-share": { type: "string" },
      "streams-per-connection": { type: "string" },
      "parley-client": { type: "string" },
      "max-in-flight": { type: "string" },
      systems: { type: "string" },
      "stop-below": { type: "string" },
      "stream-queue": { type: "string" },
      profile: { type: "string" },
      "profile-core": { type: "string" },
      seed: { type: "string" },
      "log-level": { type: "string" },
      "server-logs": { type: "boolean" },
      "no-pin": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const number = (
    flag: string | undefined,
    name: string,
    fallback: number,
    min: number,
    max = Number.POSITIVE_INFINITY,
  ) => {
    const raw = flag ?? env[name] ?? String(fallback);
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new Error(
        `${name} (or its flag): expected a number from ${min} to ${max}, got "${raw}"`,
      );
    }
    return value;
  };
  const rates = (values.rates ?? env.FANOUT_RATES ?? "50,100,200,400,600,800,1200,1600,3200")
    .split(",")
    .map((r) => Number(r.trim()));
  if (rates.length === 0 || rates.some((r) => !Number.isFinite(r) || r <= 0)) {
    throw new Error("--rates: expected positive numbers, e.g. 100,400,1000");
  }
  const systems = (values.systems ?? env.FANOUT_SYSTEMS ?? "parley,socketio")
    .toLowerCase()
    .split(",")
    .map((s) => s.trim());
  for (const system of systems) {
    if (!SYSTEM_IDS.includes(system as SystemId)) {
      throw new Error(`--systems: unknown system "${system}" (${SYSTEM_IDS.join(", ")})`);
    }
  }
  const subscribers = Math.round(number(values.subscribers, "FANOUT_SUBSCRIBERS", 200, 2, 2000));
  const smallChannels = Math.round(number(values["small-channels"], "FANOUT_SMALL", 50, 1, 1000));
  const memberships = Math.round(
    number(values.memberships, "FANOUT_MEMBERSHIPS", 2, 0, Math.min(smallChannels, 100)),
  );
  const parleyClient = values["parley-client"] ?? env.FANOUT_PARLEY_CLIENT ?? "lite";
  if (parleyClient !== "lite" && parleyClient !== "connect") {
    throw new Error(`--parley-client: "lite" or "connect", got "${parleyClient}"`);
  }
  const streamQueueRaw = values["stream-queue"] ?? env.FANOUT_STREAM_QUEUE;
  const profileCoreRaw = values["profile-core"] ?? env.FANOUT_PROFILE_CORE;
  return {
    rates,
    seconds: number(values.seconds, "FANOUT_SECONDS", 4, 0.5),
    warmupSeconds: number(values.warmup, "FANOUT_WARMUP", 1, 0),
    subscribers,
    smallChannels,
    memberships,
    busyShare: number(values["busy-share"], "FANOUT_BUSY_SHARE", 0.1, 0, 1),
    streamsPerConnection: Math.round(
      number(values["streams-per-connection"], "FANOUT_STREAMS_PER_CONNECTION", 20, 1),
    ),
    parleyClient,
    maxInFlight: Math.round(number(values["max-in-flight"], "FANOUT_MAX_IN_FLIGHT", 2000, 1)),
    systems: systems as SystemId[],
    stopBelow: number(values["stop-below"], "FANOUT_STOP_BELOW", 0.5, 0, 1),
    logLevel: values["log-level"] ?? env.FANOUT_LOG_LEVEL ?? "warn",
    serverLogs: values["server-logs"] ?? env.FANOUT_SERVER_LOGS === "1",
    pin: !(values["no-pin"] ?? env.BENCH_PIN === "0"),
    profileDir: values.profile ?? env.FANOUT_PROFILE ?? undefined,
    profileCore:
      profileCoreRaw === undefined
        ? undefined
        : Math.round(number(profileCoreRaw, "FANOUT_PROFILE_CORE", 0, 0, 1023)),
    streamQueue:
      streamQueueRaw === undefined
        ? undefined
        : Math.round(number(streamQueueRaw, "FANOUT_STREAM_QUEUE", 1000, 16, 1_000_000)),
    seed: Math.round(number(values.seed, "FANOUT_SEED", 1, 0)),
  };
}

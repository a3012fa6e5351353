import { type LoadResult, runClosedLoop } from "../lib/load.js";
import type { BenchAccount } from "./accounts.js";
import type { AuthClient } from "./client.js";

/** One way of serving GetMe, started as a pinned child process. */
export interface ServerVariant {
  readonly id: string;
  /** Row label in the report. */
  readonly label: string;
  readonly script: string;
  readonly env?: Record<string, string>;
  readonly discardStdout?: boolean;
  /** Only with --ablation. */
  readonly ablation?: boolean;
}

export const PARLEY_SERVER = "bench/auth/servers/parley.ts";
const PLAIN_SERVER = "bench/auth/servers/plain-grpc.ts";
const CHAIN_SERVER = "bench/auth/servers/connect-chain.ts";
const FULL_CHAIN = ["tracing", "logging", "error", "access", "validation"];
const without = (name: string) => FULL_CHAIN.filter((n) => n !== name).join(",");

/** The Parley server as auth's main.ts runs it: serveAuth(), OTel SDK registered. */
export const PARLEY: ServerVariant = {
  id: "parley",
  label: "Parley serveAuth()",
  script: PARLEY_SERVER,
};

/** The baseline every ratio is taken against. */
export const PLAIN: ServerVariant = {
  id: "plain",
  label: "plain @grpc/grpc-js",
  script: PLAIN_SERVER,
};

/** Every GetMe server of a run, in the order they run (Parley's is started by the runner). */
export const GET_ME_VARIANTS: readonly ServerVariant[] = [
  PARLEY,
  PLAIN,
  {
    // The framework floor: what Parley's stack costs before any mesh interceptor.
    id: "connect-bare",
    label: "connect-node, bearer check only",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: "bearer", BENCH_OTEL_SDK: "off" },
  },
  {
    id: "chain-all",
    label: "connect-node + all 5 interceptors",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: FULL_CHAIN.join(",") },
    ablation: true,
  },
  {
    id: "chain-no-tracing",
    label: "  ... without tracing",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: without("tracing") },
    ablation: true,
  },
  {
    id: "chain-no-otel",
    label: "  ... tracing, OTel SDK not started",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: FULL_CHAIN.join(","), BENCH_OTEL_SDK: "off" },
    ablation: true,
  },
  {
    id: "chain-no-logging",
    label: "  ... without logging",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: without("logging") },
    ablation: true,
  },
  {
    id: "chain-no-error",
    label: "  ... without error mapping",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: without("error") },
    ablation: true,
  },
  {
    id: "chain-no-validation",
    label: "  ... without validation",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: without("validation") },
    ablation: true,
  },
  {
    id: "chain-bearer",
    label: "  ... access(policy) -> bearer",
    script: CHAIN_SERVER,
    env: { BENCH_CHAIN: FULL_CHAIN.map((n) => (n === "access" ? "bearer" : n)).join(",") },
    ablation: true,
  },
  {
    id: "parley-log-info",
    label: "Parley, LOG_LEVEL=info (to /dev/null)",
    script: PARLEY_SERVER,
    env: { LOG_LEVEL: "info" },
    discardStdout: true,
    ablation: true,
  },
  {
    id: "plain-es-codec",
    label: "plain grpc-js, protobuf-es codec",
    script: PLAIN_SERVER,
    env: { BENCH_PLAIN_CODEC: "protobuf-es" },
    ablation: true,
  },
];

/**
 * Checks that a server answers GetMe for every account with the same user id the first server
 * did (so every variant really does the same lookup), and returns the ids by token.
 */
export async function checkGetMe(
  client: AuthClient,
  accounts: readonly BenchAccount[],
  expected?: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const account of accounts) {
    const id = await client.getMe(account.accessToken);
    const want = expected?.get(account.accessToken);
    if (!id || (want !== undefined && id !== want)) {
      throw new Error(
        `GetMe for ${account.username} answered "${id}", expected "${want ?? "an id"}"`,
      );
    }
    ids.set(account.accessToken, id);
  }
  return ids;
}

/** Authenticated GetMe, back to back from `concurrency` workers, cycling through the accounts. */
export function measureGetMe(options: {
  client: AuthClient;
  accounts: readonly BenchAccount[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  server: Parameters<typeof runClosedLoop>[0]["server"];
}): Promise<LoadResult> {
  const { client, accounts } = options;
  let next = 0;
  return runClosedLoop({
    concurrency: options.concurrency,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    server: options.server,
    call: () => client.getMe(accounts[next++ % accounts.length]!.accessToken),
  });
}

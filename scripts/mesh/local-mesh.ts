/**
 * The local mesh launcher as a library: one process per service instance (`node --import tsx
 * services/<svc>/src/main.ts`), each with its service's mTLS identity, its service's SQLite
 * database, Redis for fan-out, and the addresses of its peers from a discovery file. Used by
 * `npm run mesh` (scripts/mesh/run.ts) and by the tests that need the mesh as real processes
 * (kill an instance, cross-process traces, the Python client).
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Discovery,
  formatDiscovery,
  loadDiscovery,
  MESH_IDENTITIES,
  type MeshTls,
  readMeshCredentials,
  writeMeshCertificates,
} from "@parley/mesh";
import { type Child, type ChildExit, spawnChild } from "./child-process.js";
import { freePort } from "./free-port.js";
import { waitUntilServing } from "./health-check.js";
import { type RedisServer, startRedisServer } from "./redis-server.js";

/** The repository root (services are started from here). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The default layout and discovery file. */
export const DEFAULT_LAYOUT_FILE = join(ROOT, "mesh", "local-mesh.yaml");
/** Where `npm run mesh` keeps its certificates by default (`npm run certs` writes the same). */
export const DEFAULT_CERTS_DIR = join(ROOT, "mesh", "certs");
/** Where `npm run mesh` keeps its databases and the generated discovery file by default. */
export const DEFAULT_DATA_DIR = join(ROOT, "data", "mesh");

/** Started first: every other service verifies tokens with its keys. */
const FIRST = "auth";

/** One line a process wrote. */
export interface MeshLogLine {
  /** The instance's name, e.g. `messaging-2` (`redis` for Redis). */
  readonly instance: string;
  readonly stream: "stdout" | "stderr";
  readonly line: string;
}

export interface LocalMeshOptions {
  /** Which services run and their default addresses (default mesh/local-mesh.yaml). */
  readonly layoutFile?: string;
  /**
   * Ports: absent, the layout file's; a number, Redis on it and the instances on the following
   * ports in layout order; `0`, a free port for everything (tests).
   */
  readonly basePort?: number;
  /** Instances per service, overriding the layout (e.g. `{ messaging: 3 }`). */
  readonly instances?: Readonly<Record<string, number>>;
  /** Interface every process binds and the address in every URL (default 127.0.0.1). */
  readonly host?: string;
  /** Certificates; missing ones (the CA included) are created (default mesh/certs). */
  readonly certsDir?: string;
  /** More identities to issue certificates for (tests: a `stranger`). */
  readonly extraIdentities?: readonly string[];
  /** SQLite databases (`<dataDir>/<service>/`) and the generated discovery file (default data/mesh). */
  readonly dataDir?: string;
  /** Use this Redis instead of starting one. */
  readonly redisUrl?: string;
  /** Extra environment for every service process (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment per service (`{ messaging: { PARLEY_MESSAGING_SEND_LIMIT: "off" } }`). */
  readonly serviceEnv?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** LOG_LEVEL of every service (default info). */
  readonly logLevel?: string;
  /** Every line any process writes, as it comes (the CLI prints them with a prefix). */
  readonly onLog?: (line: MeshLogLine) => void;
  /** An instance exited without being asked to (a crash, or a kill from outside). */
  readonly onUnexpectedExit?: (instance: MeshInstance, exit: ChildExit) => void;
  /** How long one instance may take to report SERVING (default 60 s). */
  readonly startTimeoutMs?: number;
}

/** One running (or stopped) service process. */
export interface MeshInstance {
  /** `auth`, `notifications`, `messaging-1`, `messaging-2`, ... */
  readonly name: string;
  readonly service: string;
  /** `https://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  /** The current process id (undefined while stopped). */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** The process's recent output lines (pino JSON), across restarts. */
  logs(): readonly string[];
  /** Sends a signal (default SIGKILL, as `kill -9`) and waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
  /** Graceful stop: SIGTERM, which the service answers by draining and exiting 0. */
  stop(): Promise<ChildExit>;
  /** Starts the process again on the same port and waits until it reports SERVING. */
  restart(): Promise<void>;
}

export interface LocalMesh {
  readonly certsDir: string;
  readonly dataDir: string;
  /** The generated discovery file every process reads (PARLEY_DISCOVERY_FILE). */
  readonly discoveryFile: string;
  readonly discovery: Discovery;
  readonly redisUrl: string;
  /** The Redis the launcher started (undefined when `redisUrl` was given). */
  readonly redis: RedisServer | undefined;
  readonly instances: readonly MeshInstance[];
  /** Services in the layout that have no `src/main.ts` yet, so were not started. */
  readonly skipped: readonly string[];
  /** The instance named `name` (throws when there is none). */
  instance(name: string): MeshInstance;
  /** Base URLs of a service's instances. */
  urls(service: string): readonly string[];
  /** A mesh identity's certificate, key and the mesh CA, from the mesh's certificates. */
  credentials(identity: string): Promise<MeshTls>;
  /** Stops every process (services gracefully, newest first), then Redis. Idempotent. */
  stop(): Promise<void>;
}

interface PlannedInstance {
  readonly service: string;
  readonly name: string;
  port: number;
}

/**
 * Starts the local mesh: certificates (created if missing), Redis, auth, then every other
 * service's instances, each waited for until `grpc.health.v1` reports SERVING over mTLS.
 * Everything started is stopped again if any step fails. Call `stop()` when done.
 */
export async function startLocalMesh(options: LocalMeshOptions = {}): Promise<LocalMesh> {
  const host = options.host ?? "127.0.0.1";
  const certsDir = resolve(options.certsDir ?? DEFAULT_CERTS_DIR);
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const layout = loadDiscovery(options.layoutFile ?? DEFAULT_LAYOUT_FILE);
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;

  // Which services run, and how many instances each.
  const skipped: string[] = [];
  const plan: PlannedInstance[] = [];
  const layoutPorts = new Map<string, number[]>();
  const order = [...layout.services.keys()].sort((a, b) => rank(a) - rank(b));
  for (const service of order) {
    if (!existsSync(mainOf(service))) {
      skipped.push(service);
      continue;
    }
    const urls = layout.services.get(service) ?? [];
    layoutPorts.set(
      service,
      urls.map((url) => Number(new URL(url).port)),
    );
    const count = options.instances?.[service] ?? urls.length;
    for (let i = 1; i <= count; i++) {
      const name = count === 1 && urls.length === 1 ? service : `${service}-${i}`;
      plan.push({ service, name, port: 0 });
    }
  }
  if (!plan.some((p) => p.service === FIRST)) {
    throw new Error(`the layout ${layout.source} must list ${FIRST}: every service needs it`);
  }

  // Ports: the layout's, from a base port, or free ones.
  // No Redis in the layout: a free port.
  let redisPort = layout.redisUrl ? Number(new URL(layout.redisUrl).port) : 0;
  if (options.basePort !== undefined && options.basePort > 0) {
    redisPort = options.basePort;
    plan.forEach((p, i) => {
      p.port = (options.basePort as number) + 1 + i;
    });
  } else if (options.basePort === 0) {
    redisPort = 0;
    for (const p of plan) p.port = await freePort(host);
  } else {
    const used = new Set<number>([redisPort, ...[...layoutPorts.values()].flat()]);
    let spare = Math.max(...used) + 1;
    const index = new Map<string, number>();
    for (const p of plan) {
      const i = index.get(p.service) ?? 0;
      index.set(p.service, i + 1);
      p.port = layoutPorts.get(p.service)?.[i] ?? spare++;
    }
  }

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    await writeMeshCertificates(certsDir, [...MESH_IDENTITIES, ...(options.extraIdentities ?? [])]);
    const probeTls = await readMeshCredentials(certsDir, "edge");

    let redis: RedisServer | undefined;
    if (!options.redisUrl) {
      redis = await startRedisServer({
        host,
        port: redisPort,
        onLine: (line) => options.onLog?.({ instance: "redis", stream: "stdout", line }),
      });
      cleanups.push(() => redis?.close() ?? Promise.resolve());
    }
    const redisUrl = options.redisUrl ?? redis?.url ?? "";

    const services = new Map<string, string[]>();
    for (const p of plan) {
      services.set(p.service, [...(services.get(p.service) ?? []), `https://${host}:${p.port}`]);
    }
    const discovery: Discovery = { source: "", redisUrl, services };
    await mkdir(dataDir, { recursive: true });
    const discoveryFile = join(dataDir, "discovery.yaml");
    await writeFile(
      discoveryFile,
      formatDiscovery(
        discovery,
        `Written by the local mesh launcher (scripts/mesh/local-mesh.ts) from ${layout.source}:\nthe addresses this run uses. Every service process reads it (PARLEY_DISCOVERY_FILE).`,
      ),
    );

    const baseEnv: NodeJS.ProcessEnv = {
      ...process.env,
      HOST: host,
      LOG_LEVEL: options.logLevel ?? "info",
      PARLEY_CERTS_DIR: certsDir,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_DISCOVERY_FILE: discoveryFile,
      ...options.env,
    };
    const instances: ManagedInstance[] = plan.map(
      (p) =>
        new ManagedInstance(p.service, p.name, host, p.port, {
          env: {
            ...baseEnv,
            ...options.serviceEnv?.[p.service],
            PORT: String(p.port),
          },
          probeTls,
          startTimeoutMs,
          onLog: options.onLog,
          onUnexpectedExit: options.onUnexpectedExit,
        }),
    );
    cleanups.push(async () => {
      for (const instance of [...instances].reverse()) await instance.stop();
    });

    const first = instances.filter((i) => i.service === FIRST);
    await Promise.all(first.map((i) => i.start()));
    await Promise.all(instances.filter((i) => i.service !== FIRST).map((i) => i.start()));

    let stopping: Promise<void> | undefined;
    return {
      certsDir,
      dataDir,
      discoveryFile,
      discovery: loadDiscovery(discoveryFile),
      redisUrl,
      redis,
      instances,
      skipped,
      instance(name) {
        const found = instances.find((i) => i.name === name);
        if (!found) {
          throw new Error(`no instance ${name} (have ${instances.map((i) => i.name).join(", ")})`);
        }
        return found;
      },
      urls: (service) => services.get(service) ?? [],
      credentials: (identity) => readMeshCredentials(certsDir, identity),
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The entry point of a service. */
function mainOf(service: string): string {
  return join(ROOT, "services", service, "src", "main.ts");
}

function rank(service: string): number {
  return service === FIRST ? 0 : 1;
}

interface InstanceOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly probeTls: MeshTls;
  readonly startTimeoutMs: number;
  readonly onLog: ((line: MeshLogLine) => void) | undefined;
  readonly onUnexpectedExit: ((instance: MeshInstance, exit: ChildExit) => void) | undefined;
}

/** One service instance: its process (across restarts), its output, its expected state. */
class ManagedInstance implements MeshInstance {
  readonly url: string;
  #child: Child | undefined;
  #expectExit = false;
  readonly #lines: string[] = [];

  constructor(
    readonly service: string,
    readonly name: string,
    host: string,
    readonly port: number,
    private readonly options: InstanceOptions,
  ) {
    this.url = `https://${host}:${port}`;
  }

  get pid(): number | undefined {
    return this.#child && !this.#child.hasExited ? this.#child.pid : undefined;
  }

  get running(): boolean {
    return this.#child !== undefined && !this.#child.hasExited;
  }

  logs(): readonly string[] {
    return [...this.#lines];
  }

  /** Spawns the process and waits until it reports SERVING; kills it if it never does. */
  async start(): Promise<void> {
    if (this.running) return;
    this.#expectExit = false;
    const child = spawnChild({
      command: process.execPath,
      args: ["--import", "tsx", mainOf(this.service)],
      cwd: ROOT,
      env: this.options.env,
      onLine: (line, stream) => {
        this.#lines.push(line);
        if (this.#lines.length > 20_000) this.#lines.splice(0, 5_000);
        this.options.onLog?.({ instance: this.name, stream, line });
      },
    });
    this.#child = child;
    void child.exited.then((exit) => {
      if (!this.#expectExit && this.#child === child) this.options.onUnexpectedExit?.(this, exit);
    });
    try {
      await waitUntilServing(this.url, this.options.probeTls, {
        timeoutMs: this.options.startTimeoutMs,
        gaveUp: () =>
          child.hasExited
            ? `${this.name} exited during start:\n${child.output().slice(-20).join("\n")}`
            : undefined,
      });
    } catch (err) {
      this.#expectExit = true;
      await child.stop(2_000);
      throw err;
    }
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<ChildExit> {
    const child = this.#child;
    if (!child) return { code: null, signal: null };
    this.#expectExit = true;
    return child.kill(signal);
  }

  async stop(): Promise<ChildExit> {
    const child = this.#child;
    if (!child) return { code: null, signal: null };
    this.#expectExit = true;
    return child.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

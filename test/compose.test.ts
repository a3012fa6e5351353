/**
 * docker-compose.yml and docker/Dockerfile, checked statically because the build machine has no
 * Docker engine: every service, port, environment variable, volume, file and healthcheck they
 * name must exist in the code and configuration (variables are read by the service's config or
 * the mesh's; mounted files exist or are written by `npm run certs`; Envoy's cluster addresses
 * are compose service names and ports). Broken variants show the check fails. The healthcheck
 * probe itself runs for real against a mesh-mode server.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, posix } from "node:path";
import { caPaths, MESH_IDENTITIES, type MeshTls, serviceCertificatePaths } from "@parley/mesh";
import test from "ava";
import { parse } from "yaml";
import { probeHealth } from "../docker/health-probe.js";
import { parseEdgeSettings } from "../scripts/envoy-config.js";
import { startAuthServer } from "./support/auth-server.js";
import { createTestPki } from "./support/pki.js";

const root = join(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked freely by the assertions
type Json = Record<string, any>;

/**
 * What the official third-party images offer, from their documentation (it cannot be verified on
 * a machine without Docker): the variables they read, the ports they listen on, the commands a
 * healthcheck can use inside them. A compose entry naming anything else is a mistake.
 */
const IMAGES: Record<
  string,
  { env: string[]; ports: number[]; probes: string[]; otlpHttp?: number }
> = {
  "envoyproxy/envoy": { env: ["ENVOY_UID", "ENVOY_GID"], ports: [], probes: ["bash"] },
  redis: { env: [], ports: [6379], probes: ["redis-cli"] },
  "jaegertracing/all-in-one": {
    env: ["COLLECTOR_OTLP_ENABLED"],
    ports: [4317, 4318, 16686, 14269],
    probes: ["wget"],
    otlpHttp: 4318,
  },
  mongo: {
    env: ["MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"],
    ports: [27017],
    probes: ["mongosh"],
  },
  "minio/minio": {
    env: ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"],
    ports: [9000, 9001],
    probes: ["mc"],
  },
};

/** Everything compose entries are checked against. */
interface ComposeContext {
  readonly envoy: Json;
  readonly dockerfile: string;
  /** The build context's exclusions (.dockerignore). */
  readonly dockerignore: string;
  /** Base names `npm run certs` writes into mesh/certs. */
  readonly certFiles: ReadonlySet<string>;
  /** The identity Envoy presents. */
  readonly edgeIdentity: string;
  /** Services with code (services/<name>/src/main.ts). */
  readonly servicesWithCode: readonly string[];
  /** Environment variables a service's process reads (its config.ts and the mesh runtime). */
  envRead(service: string): ReadonlySet<string>;
  exists(path: string): boolean;
}

const ENV_NAME =
  /["'`]((?:PARLEY|OTEL)_[A-Z0-9_]+|PORT|HOST|LOG_LEVEL)["'`]|\benv\.([A-Z][A-Z0-9_]*)\b|\benv\[["']([A-Z][A-Z0-9_]*)["']\]/g;

function namesIn(source: string): Set<string> {
  return new Set([...source.matchAll(ENV_NAME)].map((m) => (m[1] ?? m[2] ?? m[3]) as string));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

function repositoryContext(): ComposeContext {
  const meshNames = new Set(
    tsFiles(join(root, "mesh", "src")).flatMap((f) => [...namesIn(readFileSync(f, "utf8"))]),
  );
  const servicesWithCode = readdirSync(join(root, "services")).filter((s) =>
    existsSync(join(root, "services", s, "src", "main.ts")),
  );
  const certFiles = new Set([
    basename(caPaths("/").certPath),
    ...MESH_IDENTITIES.flatMap((id) => {
      const paths = serviceCertificatePaths("/", id);
      return [basename(paths.certPath), basename(paths.keyPath)];
    }),
  ]);
  return {
    envoy: parse(read("mesh/envoy/envoy.yaml")) as Json,
    dockerfile: read("docker/Dockerfile"),
    dockerignore: read(".dockerignore"),
    certFiles,
    edgeIdentity: parseEdgeSettings(read("mesh/envoy/edge-settings.yaml")).edgeIdentity,
    servicesWithCode,
    envRead: (service) => {
      const config = join(root, "services", service, "src", "config.ts");
      return new Set([
        ...meshNames,
        ...(existsSync(config) ? namesIn(readFileSync(config, "utf8")) : []),
      ]);
    },
    exists: (path) => existsSync(join(root, path)),
  };
}

// --- reading compose's short syntaxes -----------------------------------------------------------

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  readonly bind: boolean;
}

function mountsOf(svc: Json): Mount[] {
  return (svc.volumes ?? []).map((v: string | Json) => {
    if (typeof v !== "string") {
      return {
        source: String(v.source),
        target: String(v.target),
        readOnly: v.read_only === true,
        bind: v.type === "bind",
      };
    }
    const [source = "", target = "", mode = ""] = v.split(":");
    return {
      source,
      target,
      readOnly: mode.split(",").includes("ro"),
      bind: /^[./~]/.test(source),
    };
  });
}

function envOf(svc: Json): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e: string) => [e.split("=")[0], e.slice(e.indexOf("=") + 1)]),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** Published ports as [host port, container port]. */
function publishedOf(svc: Json): Array<[number, number]> {
  return (svc.ports ?? []).map((p: string | number | Json) => {
    if (typeof p === "object") return [Number(p.published), Number(p.target)];
    const parts = String(p).split("/")[0]?.split(":") ?? [];
    const container = Number(parts.at(-1));
    return [parts.length > 1 ? Number(parts.at(-2)) : container, container];
  });
}

function healthCommand(svc: Json): string[] {
  const t = svc.healthcheck?.test;
  if (Array.isArray(t)) return t[0] === "CMD-SHELL" ? ["sh", "-c", ...t.slice(1)] : t.slice(1);
  return typeof t === "string" ? ["sh", "-c", t] : [];
}

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Every `filename` value anywhere in the Envoy config: the files Envoy must be able to read. */
function envoyFiles(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(envoyFiles);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === "filename" && typeof v === "string" ? [v] : envoyFiles(v),
  );
}

function envoyEndpoints(envoy: Json): Array<{ cluster: string; host: string; port: number }> {
  return (envoy.static_resources?.clusters ?? []).flatMap((c: Json) =>
    (c.load_assignment?.endpoints ?? []).flatMap((e: Json) =>
      (e.lb_endpoints ?? []).map((l: Json) => ({
        cluster: c.name,
        host: l.endpoint?.address?.socket_address?.address,
        port: l.endpoint?.address?.socket_address?.port_value,
      })),
    ),
  );
}

/** Dockerfile stages: name -> its lines. */
function stagesOf(dockerfile: string): Map<string, string> {
  const stages = new Map<string, string>();
  const parts = dockerfile.split(/^FROM\s+/m).slice(1);
  for (const part of parts) {
    const name = /^\S+\s+AS\s+([\w-]+)/i.exec(part)?.[1];
    if (name) stages.set(name, part);
  }
  return stages;
}

/**
 * Whether .dockerignore keeps `path` (or a folder above it) out of the build context. Handles the
 * forms the file uses: plain paths, `*`, and the any-depth folder prefix (double star, slash).
 */
function ignoreMatcher(dockerignore: string): (path: string) => boolean {
  const patterns = dockerignore
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((p) => {
      const body = p
        .replace(/\/+$/, "")
        .split("**/")
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
        .join("(?:.*/)?");
      return new RegExp(`^${body}$`);
    });
  return (path) => {
    const parts = posix.normalize(path).replace(/\/+$/, "").split("/");
    return parts.some((_, i) => patterns.some((re) => re.test(parts.slice(0, i + 1).join("/"))));
  };
}

// --- the check ---------------------------------------------------------------------------------

/** Checks a parsed compose file against the repository; one line per problem. */
function checkCompose(compose: Json, ctx: ComposeContext): string[] {
  const problems: string[] = [];
  const services: Record<string, Json> = compose.services ?? {};
  const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
  const stages = stagesOf(ctx.dockerfile);
  const envoyAdmin = Number(ctx.envoy.admin?.address?.socket_address?.port_value);
  const envoyListeners = (ctx.envoy.static_resources?.listeners ?? []).map((l: Json) =>
    Number(l.address?.socket_address?.port_value),
  );
  const webPort = Number(/listen\s+(\d+);/.exec(stages.get("web") ?? "")?.[1]);

  for (const key of Object.keys(compose)) {
    if (!["services", "volumes", "networks", "name"].includes(key) && !key.startsWith("x-")) {
      problems.push(`top level: unknown key ${key}`);
    }
  }

  /** What each compose service is, and the ports it listens on inside the network. */
  const kinds = new Map<
    string,
    {
      kind: "parley" | "web" | "image";
      identity?: string;
      image?: (typeof IMAGES)[string];
      ports: number[];
    }
  >();
  for (const [name, svc] of Object.entries(services)) {
    if (svc.build) {
      const target = svc.build.target;
      if (svc.build.context !== ".")
        problems.push(`${name}: build context must be the repository root`);
      if (!ctx.exists(svc.build.dockerfile ?? "Dockerfile"))
        problems.push(`${name}: ${svc.build.dockerfile} does not exist`);
      if (!stages.has(target)) problems.push(`${name}: the Dockerfile has no stage ${target}`);
      if (target === "service") {
        const identity = String(svc.build.args?.SERVICE ?? "");
        if (!ctx.exists(`services/${identity}/src/main.ts`))
          problems.push(`${name}: services/${identity}/src/main.ts does not exist`);
        if (!(MESH_IDENTITIES as readonly string[]).includes(identity))
          problems.push(`${name}: ${identity} is not a mesh identity`);
        if (identity !== name)
          problems.push(
            `${name}: must be named ${identity} (its DNS name is its certificate's name and Envoy's address)`,
          );
        kinds.set(name, { kind: "parley", identity, ports: [Number(envOf(svc).PORT)] });
      } else if (target === "web") {
        kinds.set(name, { kind: "web", ports: [webPort] });
      } else problems.push(`${name}: unknown build target ${target}`);
    } else {
      const repo = String(svc.image ?? "").replace(/:[^/]*$/, "");
      const image = IMAGES[repo];
      if (!image) {
        problems.push(`${name}: nothing is known about image ${svc.image}`);
        continue;
      }
      const ports = repo === "envoyproxy/envoy" ? [...envoyListeners, envoyAdmin] : image.ports;
      kinds.set(name, { kind: "image", image, ports });
    }
  }

  const portOk = (host: string, port: number) => kinds.get(host)?.ports.includes(port) === true;

  for (const [name, svc] of Object.entries(services)) {
    const kind = kinds.get(name);
    if (!kind) continue;
    const env = envOf(svc);
    const mounts = mountsOf(svc);
    if (svc.container_name !== undefined) problems.push(`${name}: container_name prevents scaling`);

    // Environment variables: read by the process (or documented by the image).
    for (const variable of Object.keys(env)) {
      const known =
        kind.kind === "parley"
          ? ctx.envRead(kind.identity as string).has(variable)
          : kind.kind === "image"
            ? kind.image?.env.includes(variable)
            : false;
      if (!known) problems.push(`${name}: ${variable} is read by nothing in it`);
    }

    // Mounted files: in the repository, or written by `npm run certs`; keys read-only and own.
    const ownKey =
      kind.kind === "parley"
        ? kind.identity
        : svc.image?.startsWith("envoyproxy/envoy")
          ? ctx.edgeIdentity
          : undefined;
    for (const mount of mounts) {
      if (!mount.bind) {
        if (!declaredVolumes.has(mount.source))
          problems.push(`${name}: volume ${mount.source} is not declared`);
        continue;
      }
      const path = posix.normalize(mount.source);
      const fromCerts = path.startsWith("mesh/certs/");
      if (fromCerts) {
        if (!ctx.certFiles.has(basename(path)))
          problems.push(`${name}: ${mount.source} is not written by npm run certs`);
        if (!mount.readOnly) problems.push(`${name}: ${mount.source} must be mounted read-only`);
        if (path.endsWith(".key") && basename(path) !== `${ownKey}.key`) {
          problems.push(`${name}: mounts ${basename(path)}, another identity's private key`);
        }
        // The key is 0600 and owned by whoever ran `npm run certs`: the container must run as
        // that user (PARLEY_UID), and never as root.
        const user = String(svc.user ?? "");
        if (
          path.endsWith(".key") &&
          (!user.includes("PARLEY_UID") || /^(0|root)(:|$)/.test(user))
        ) {
          problems.push(`${name}: reads ${basename(path)} but does not run as the PARLEY_UID user`);
        }
      } else if (!ctx.exists(path)) problems.push(`${name}: ${mount.source} does not exist`);
    }

    // Published ports: only the edge and observability UIs; never a scalable service.
    for (const [, container] of publishedOf(svc)) {
      if (kind.kind === "parley")
        problems.push(
          `${name}: publishes port ${container} (it could not scale, and would bypass the edge)`,
        );
      else if (!kind.ports.includes(container))
        problems.push(`${name}: publishes ${container}, where nothing listens`);
    }

    // Healthchecks.
    const probe = healthCommand(svc);
    if (probe.length === 0) problems.push(`${name}: no healthcheck`);
    else if (kind.kind === "parley") {
      const script = probe[3] ?? "";
      if (probe.slice(0, 3).join(" ") !== "node --import tsx" || !ctx.exists(script)) {
        problems.push(
          `${name}: healthcheck runs ${probe.slice(0, 4).join(" ")}, not an existing script`,
        );
      }
      if (
        !new RegExp(`^COPY ${script.replace(/[.]/g, "\\.")} `, "m").test(
          stages.get("service") ?? "",
        )
      ) {
        problems.push(`${name}: ${script} is not copied into the service image`);
      }
      if (flag(probe, "--port") !== env.PORT)
        problems.push(`${name}: healthcheck port ${flag(probe, "--port")} is not PORT ${env.PORT}`);
      if (flag(probe, "--certs") !== env.PARLEY_CERTS_DIR)
        problems.push(`${name}: healthcheck certs dir differs from PARLEY_CERTS_DIR`);
      if (flag(probe, "--identity") !== kind.identity)
        problems.push(
          `${name}: healthcheck presents ${flag(probe, "--identity")}, not ${kind.identity}`,
        );
      const checked = (ctx.envoy.static_resources?.clusters ?? []).find(
        (c: Json) => c.name === kind.identity,
      )?.health_checks?.[0]?.grpc_health_check?.service_name;
      if (checked !== undefined && flag(probe, "--service") !== checked) {
        problems.push(
          `${name}: healthcheck asks for ${flag(probe, "--service")}, Envoy for ${checked}`,
        );
      }
    } else if (kind.kind === "web") {
      if (probe.join(" ") !== `wget -q --spider http://127.0.0.1:${webPort}/`)
        problems.push(`${name}: healthcheck does not ask the web port ${webPort}`);
    } else if (!kind.image?.probes.includes(probe[0] ?? "")) {
      problems.push(`${name}: healthcheck runs ${probe[0]}, which ${svc.image} does not ship`);
    } else if (
      svc.image?.startsWith("envoyproxy/envoy") &&
      !probe.join(" ").includes(`/dev/tcp/127.0.0.1/${envoyAdmin}`)
    ) {
      problems.push(`${name}: healthcheck does not ask Envoy's admin port ${envoyAdmin}`);
    }

    // depends_on: existing services; health conditions need a healthcheck; no profiled deps.
    const deps = Array.isArray(svc.depends_on)
      ? Object.fromEntries(svc.depends_on.map((d: string) => [d, {}]))
      : (svc.depends_on ?? {});
    for (const [dep, spec] of Object.entries<Json>(deps)) {
      const target = services[dep];
      if (!target) problems.push(`${name}: depends on ${dep}, which is not a service`);
      else if (spec.condition === "service_healthy" && !target.healthcheck)
        problems.push(`${name}: waits for ${dep} to be healthy, which has no healthcheck`);
      else if (target.profiles && !svc.profiles)
        problems.push(`${name}: depends on ${dep}, which only starts with a profile`);
    }

    // Values that name other parts of the stack.
    if (kind.kind === "parley") {
      if (!/^\d+$/.test(env.PORT ?? "")) problems.push(`${name}: PORT must be set`);
      const certs = env.PARLEY_CERTS_DIR;
      if (!certs) problems.push(`${name}: PARLEY_CERTS_DIR must be set (mesh mode)`);
      else {
        for (const file of ["ca.pem", `${kind.identity}.pem`, `${kind.identity}.key`]) {
          const mount = mounts.find((m) => m.target === posix.join(certs, file));
          if (!mount || basename(mount.source) !== file)
            problems.push(
              `${name}: ${posix.join(certs, file)} is not mounted from mesh/certs/${file}`,
            );
        }
      }
      const data = env.PARLEY_DATA_DIR;
      if (!data || !mounts.some((m) => !m.bind && m.target === data))
        problems.push(`${name}: PARLEY_DATA_DIR is not a volume`);
      for (const [variable, value] of Object.entries(env)) {
        if (variable === "PARLEY_PUBLIC_URL") {
          const url = new URL(value);
          const edge = Object.entries(services).find(([, s]) =>
            String(s.image ?? "").startsWith("envoyproxy/envoy"),
          );
          const published = edge ? publishedOf(edge[1]).map(([host]) => host) : [];
          if (
            url.protocol !== "https:" ||
            url.hostname !== "localhost" ||
            !published.includes(Number(url.port))
          ) {
            problems.push(
              `${name}: PARLEY_PUBLIC_URL ${value} is not the edge's published https port`,
            );
          }
        } else if (variable.endsWith("_URL") || variable === "OTEL_EXPORTER_OTLP_ENDPOINT") {
          for (const raw of value.split(",")) {
            const url = new URL(raw.trim());
            const port = Number(url.port);
            const target = kinds.get(url.hostname);
            if (!target)
              problems.push(`${name}: ${variable} names ${url.hostname}, which is not a service`);
            else if (!portOk(url.hostname, port))
              problems.push(
                `${name}: ${variable} uses port ${port}, where ${url.hostname} does not listen`,
              );
            else if (target.kind === "parley" && url.protocol !== "https:")
              problems.push(`${name}: ${variable} must be https (mesh mode)`);
            else if (
              variable === "OTEL_EXPORTER_OTLP_ENDPOINT" &&
              port !== target.image?.otlpHttp
            ) {
              problems.push(
                `${name}: ${variable} must be ${url.hostname}'s OTLP/HTTP port (services export http/protobuf)`,
              );
            }
          }
        }
      }
    }
  }

  // Envoy: its config file and every file it names are mounted; its clusters are compose services.
  for (const [name, svc] of Object.entries(services)) {
    if (!String(svc.image ?? "").startsWith("envoyproxy/envoy")) continue;
    const command: string[] = svc.command ?? [];
    const configPath = flag(command, "-c") ?? flag(command, "--config-path");
    const mounts = mountsOf(svc);
    const configMount = mounts.find((m) => m.target === configPath);
    if (!configMount || posix.normalize(configMount.source) !== "mesh/envoy/envoy.yaml") {
      problems.push(`${name}: ${configPath} is not mesh/envoy/envoy.yaml`);
    }
    for (const file of new Set(envoyFiles(ctx.envoy))) {
      if (!mounts.some((m) => m.target === file))
        problems.push(`${name}: envoy.yaml reads ${file}, which is not mounted`);
    }
    const published = publishedOf(svc).map(([, c]) => c);
    for (const port of envoyListeners)
      if (!published.includes(port))
        problems.push(`${name}: listener port ${port} is not published`);
  }
  for (const { cluster, host, port } of envoyEndpoints(ctx.envoy)) {
    if (kinds.has(host)) {
      if (!portOk(host, port))
        problems.push(`envoy cluster ${cluster}: ${host} does not listen on ${port}`);
    } else if (
      ctx.servicesWithCode.includes(host) ||
      !(MESH_IDENTITIES as readonly string[]).includes(host)
    ) {
      problems.push(`envoy cluster ${cluster}: ${host} is not a compose service`);
    }
  }
  for (const service of ctx.servicesWithCode) {
    if (![...kinds.values()].some((k) => k.identity === service))
      problems.push(`services/${service} has code but no compose service`);
  }

  // The Dockerfile: stages it copies from exist before use; files it copies exist and are in the
  // build context; keys and certificates never are.
  const ignored = ignoreMatcher(ctx.dockerignore);
  for (const secret of ["mesh/certs/edge.key", "mesh/certs/ca.key", "mesh/certs/auth.pem"]) {
    if (!ignored(secret)) problems.push(`.dockerignore lets ${secret} into the build context`);
  }
  const seen: string[] = [];
  for (const [stage, body] of stages) {
    for (const line of body.split("\n").filter((l) => l.startsWith("COPY "))) {
      const from = /--from=([\w-]+)/.exec(line)?.[1];
      const words = line
        .replace(/--[\w-]+=\S+/g, "")
        .split(/\s+/)
        .slice(1)
        .filter(Boolean);
      if (from) {
        if (!seen.includes(from))
          problems.push(`Dockerfile ${stage}: copies from ${from}, not an earlier stage`);
      } else if (!line.includes("<<")) {
        for (const source of words.slice(0, -1)) {
          if (source === ".") continue;
          if (!ctx.exists(source)) problems.push(`Dockerfile ${stage}: ${source} does not exist`);
          else if (ignored(source)) {
            problems.push(`Dockerfile ${stage}: ${source} is excluded by .dockerignore`);
          }
        }
      }
    }
    seen.push(stage);
  }
  return problems;
}

const compose = parse(read("docker-compose.yml")) as Json;
const ctx = repositoryContext();

function broken(change: (c: Json) => void): Json {
  const copy = structuredClone(compose);
  change(copy);
  return copy;
}

// --- tests ---------------------------------------------------------------------------------------

test("docker-compose.yml names only services, ports, variables, volumes, files and healthchecks that exist", (t) => {
  t.deepEqual(checkCompose(compose, ctx), []);
});

test("the stack has the edge, every service with code, and the infrastructure the issue lists", (t) => {
  const names = Object.keys(compose.services);
  for (const expected of [
    "envoy",
    "web",
    "redis",
    "jaeger",
    "mongo",
    "minio",
    ...ctx.servicesWithCode,
  ]) {
    t.true(names.includes(expected), expected);
  }
  t.true(ctx.servicesWithCode.includes("auth") && ctx.servicesWithCode.includes("messaging"));
  // Scalable by design: no fixed name, no host port; Envoy resolves every replica by DNS.
  const messaging = compose.services.messaging;
  t.is(messaging.container_name, undefined);
  t.is(messaging.ports, undefined);
  const cluster = ctx.envoy.static_resources.clusters.find((c: Json) => c.name === "messaging");
  t.is(cluster.type, "STRICT_DNS");
  t.is(
    cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address,
    "messaging",
  );
  // Every variable a Parley service is given is one its code reads.
  t.true(ctx.envRead("messaging").has("PARLEY_REDIS_URL"));
  t.false(ctx.envRead("messaging").has("PARLEY_MONGO_URL"));
});

test("a typo in a variable, a wrong address or an unread variable is caught", (t) => {
  const problems = checkCompose(
    broken((c) => {
      const env = c.services.messaging.environment;
      env.PARLEY_REDIS_URI = env.PARLEY_REDIS_URL;
      delete env.PARLEY_REDIS_URL;
      env.PARLEY_AUTH_URL = "https://authentication:8443";
      c.services.notifications.environment.PARLEY_MONGO_URL = "mongodb://mongo:27017";
      c.services.auth.environment.OTEL_EXPORTER_OTLP_ENDPOINT = "http://jaeger:4317";
      c.services.messaging.environment.PARLEY_NOTIFICATIONS_URL = "http://notifications:8443";
    }),
    ctx,
  );
  for (const expected of [
    "messaging: PARLEY_REDIS_URI is read by nothing in it",
    "messaging: PARLEY_AUTH_URL names authentication, which is not a service",
    "notifications: PARLEY_MONGO_URL is read by nothing in it",
    "auth: OTEL_EXPORTER_OTLP_ENDPOINT must be jaeger's OTLP/HTTP port (services export http/protobuf)",
    "messaging: PARLEY_NOTIFICATIONS_URL must be https (mesh mode)",
  ]) {
    t.true(problems.includes(expected), `${expected}\n${problems.join("\n")}`);
  }
});

test("a port that differs from Envoy's cluster, a renamed service, or a published port is caught", (t) => {
  const port = checkCompose(
    broken((c) => {
      c.services.messaging.environment.PORT = "9000";
    }),
    ctx,
  );
  t.true(
    port.includes("envoy cluster messaging: messaging does not listen on 8443"),
    port.join("\n"),
  );
  t.true(port.includes("messaging: healthcheck port 8443 is not PORT 9000"), port.join("\n"));
  const renamed = checkCompose(
    broken((c) => {
      c.services.chat = c.services.messaging;
      delete c.services.messaging;
      delete c.services.envoy.depends_on.messaging;
    }),
    ctx,
  );
  t.true(
    renamed.includes("envoy cluster messaging: messaging is not a compose service"),
    renamed.join("\n"),
  );
  t.true(
    renamed.some((p) => p.startsWith("chat: must be named messaging")),
    renamed.join("\n"),
  );
  const pinned = checkCompose(
    broken((c) => {
      c.services.messaging.container_name = "parley-messaging";
      c.services.messaging.ports = ["8444:8443"];
    }),
    ctx,
  );
  t.true(pinned.includes("messaging: container_name prevents scaling"), pinned.join("\n"));
  t.true(
    pinned.some((p) => p.startsWith("messaging: publishes port 8443")),
    pinned.join("\n"),
  );
});

test("a missing file, another identity's key, an undeclared volume or a missing healthcheck script is caught", (t) => {
  const problems = checkCompose(
    broken((c) => {
      const envoy = c.services.envoy;
      envoy.volumes = envoy.volumes.filter((v: string) => !v.includes("edge.key"));
      c.services.messaging.volumes.push("./mesh/certs/auth.key:/certs/auth.key:ro");
      c.services.auth.volumes.push(
        "./mesh/certs/admin.pem:/certs/admin.pem:ro",
        "./docs/missing.md:/x:ro",
      );
      c.services.notifications.volumes = c.services.notifications.volumes.map((v: string) =>
        v.replace("notifications-data:", "notification-data:"),
      );
      c.services.auth.healthcheck.test[4] = "docker/probe.ts";
      c.services.auth.user = "0:0";
      delete c.services.notifications.user;
      delete c.services.redis.healthcheck;
    }),
    ctx,
  );
  for (const expected of [
    "envoy: envoy.yaml reads /etc/envoy/certs/edge.key, which is not mounted",
    "messaging: mounts auth.key, another identity's private key",
    "auth: reads auth.key but does not run as the PARLEY_UID user",
    "notifications: reads notifications.key but does not run as the PARLEY_UID user",
    "auth: ./mesh/certs/admin.pem is not written by npm run certs",
    "auth: ./docs/missing.md does not exist",
    "notifications: volume notification-data is not declared",
    "auth: healthcheck runs node --import tsx docker/probe.ts, not an existing script",
    "redis: no healthcheck",
    "messaging: waits for redis to be healthy, which has no healthcheck",
  ]) {
    t.true(problems.includes(expected), `${expected}\n${problems.join("\n")}`);
  }
});

test("a service with code but no compose entry, and a Dockerfile copying a missing file, are caught", (t) => {
  const problems = checkCompose(
    broken((c) => {
      delete c.services.notifications;
      delete c.services.messaging.depends_on.notifications;
      delete c.services.envoy.depends_on.notifications;
      c.services.messaging.environment.PARLEY_NOTIFICATIONS_URL = "https://auth:8443";
    }),
    {
      ...ctx,
      dockerfile: ctx.dockerfile.replace(
        "COPY docker/health-probe.ts docker/",
        "COPY docker/probe.ts docker/",
      ),
    },
  );
  t.true(
    problems.includes("services/notifications has code but no compose service"),
    problems.join("\n"),
  );
  t.true(
    problems.includes("envoy cluster notifications: notifications is not a compose service"),
    problems.join("\n"),
  );
  t.true(
    problems.includes("Dockerfile service: docker/probe.ts does not exist"),
    problems.join("\n"),
  );
  t.true(
    problems.includes("auth: docker/health-probe.ts is not copied into the service image"),
    problems.join("\n"),
  );
});

test("a .dockerignore that would bake keys into an image or drop a copied file is caught", (t) => {
  const problems = checkCompose(compose, {
    ...ctx,
    dockerignore: `${ctx.dockerignore.replace("mesh/certs\n", "").replace("**/*.key\n", "")}\ndocker\n`,
  });
  t.true(
    problems.includes(".dockerignore lets mesh/certs/edge.key into the build context"),
    problems.join("\n"),
  );
  t.true(
    problems.includes("Dockerfile service: docker/health-probe.ts is excluded by .dockerignore"),
    problems.join("\n"),
  );
  t.false(
    problems.some((p) => p.includes("auth.pem")),
    "still excluded by **/*.pem",
  );
});

test("package-lock.json lists every workspace, as the image's `npm ci` requires", (t) => {
  const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, Json> };
  const globs: string[] = JSON.parse(read("package.json")).workspaces;
  const workspaces = globs.flatMap((glob) =>
    glob.endsWith("/*")
      ? readdirSync(join(root, glob.slice(0, -2)))
          .map((d) => `${glob.slice(0, -2)}/${d}`)
          .filter((d) => existsSync(join(root, d, "package.json")))
      : [glob],
  );
  const stale = ["", ...workspaces].filter((dir) => {
    const manifest = JSON.parse(read(dir ? `${dir}/package.json` : "package.json"));
    const locked = lock.packages[dir];
    const sorted = (deps: Json | undefined) => JSON.stringify(Object.entries(deps ?? {}).sort());
    return (
      !locked ||
      locked.version !== manifest.version ||
      ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].some(
        (kind) => sorted(locked[kind]) !== sorted(manifest[kind]),
      )
    );
  });
  t.deepEqual(stale, [], "run npm install and commit package-lock.json");
});

// --- the healthcheck probe, for real -------------------------------------------------------------

/** Runs docker/health-probe.ts as the container would; resolves with its exit code and output. */
function runProbe(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "docker/health-probe.ts", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.trim() });
    });
  });
}

test("the healthcheck probe speaks gRPC health over mTLS: SERVING exits 0, NOT_SERVING or no server exits 1", async (t) => {
  const pki = await createTestPki();
  const tls: MeshTls = await pki.credentials("auth");
  const server = await startAuthServer({ tls });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await server.close();
  });
  const port = String(server.served.port);
  const args = ["--port", port, "--certs", pki.dir, "--identity", "messaging"];

  const serving = await runProbe([...args, "--service", "parley.auth.v1.AuthService"]);
  t.is(serving.code, 0, serving.output);
  t.regex(serving.output, /parley\.auth\.v1\.AuthService: SERVING/);

  const unknown = await runProbe([...args, "--service", "parley.voice.v1.VoiceService"]);
  t.is(unknown.code, 1, unknown.output);
  t.regex(unknown.output, /NotFound/);

  // A client certificate from another CA: the server refuses the handshake; unhealthy, no hang.
  const foreignDir = await mkdtemp(join(tmpdir(), "parley-probe-"));
  t.teardown(() => rm(foreignDir, { recursive: true, force: true }));
  const stranger = await pki.foreign("messaging");
  await writeFile(join(foreignDir, "ca.pem"), stranger.caPem);
  await writeFile(join(foreignDir, "messaging.pem"), stranger.certPem);
  await writeFile(join(foreignDir, "messaging.key"), stranger.keyPem);
  const refused = await runProbe([
    "--port",
    port,
    "--certs",
    foreignDir,
    "--identity",
    "messaging",
  ]);
  t.is(refused.code, 1, refused.output);

  // Plaintext h2c against the TLS port (the probe's mode without --certs) is unhealthy too.
  const plaintext = await probeHealth({
    host: "127.0.0.1",
    port: server.served.port,
    service: "",
    timeoutMs: 3000,
  });
  t.false(plaintext.healthy, plaintext.detail);

  server.served.health.setAllNotServing();
  const draining = await runProbe(args);
  t.is(draining.code, 1, draining.output);
  t.regex(draining.output, /\(server\): NOT_SERVING/);

  await server.close();
  closed = true;
  const gone = await runProbe(args);
  t.is(gone.code, 1, gone.output);
  t.regex(gone.output, /Unavailable/);
});

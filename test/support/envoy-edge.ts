/**
 * What the Envoy edge config must mean, checked from sources independent of the generator: the
 * services and methods are read from the proto/ text itself (not from gen/ts, which the
 * generator uses), routing is simulated the way Envoy matches (first route wins), and upstream
 * names are compared with certificates issued by mesh/src/pki (the code `npm run certs` runs).
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

/** One RPC as the contract declares it. */
export interface ContractMethod {
  readonly name: string;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  /** `NO_SIDE_EFFECTS`, `IDEMPOTENT` or `IDEMPOTENCY_UNKNOWN` (the default). */
  readonly idempotency: string;
}

/** One service of proto/parley/<pkg>/v1. */
export interface ContractService {
  /** Short package name: `messaging` of `parley.messaging.v1`. */
  readonly packageName: string;
  readonly typeName: string;
  readonly methods: readonly ContractMethod[];
}

/**
 * Reads every `service` block under proto/parley with a small parser of its own (comments
 * stripped, braces matched), so the check does not trust the code the generator uses.
 */
export function readContractServices(protoDir: string): ContractService[] {
  const services: ContractService[] = [];
  const parleyDir = join(protoDir, "parley");
  for (const pkg of readdirSync(parleyDir).sort()) {
    for (const version of readdirSync(join(parleyDir, pkg)).sort()) {
      const dir = join(parleyDir, pkg, version);
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".proto"))) {
        const source = stripComments(readFileSync(join(dir, file), "utf8"));
        const packageName = /^\s*package\s+([\w.]+)\s*;/m.exec(source)?.[1];
        if (!packageName) throw new Error(`${file}: no package`);
        const short = /^parley\.(\w+)\.v\d+$/.exec(packageName)?.[1];
        if (!short) throw new Error(`${file}: unexpected package ${packageName}`);
        for (const match of source.matchAll(/\bservice\s+(\w+)\s*\{/g)) {
          const body = blockAfter(source, (match.index ?? 0) + match[0].length - 1);
          services.push({
            packageName: short,
            typeName: `${packageName}.${match[1]}`,
            methods: [...body.matchAll(RPC)].map((rpc) => ({
              name: rpc[1] as string,
              clientStreaming: rpc[2] !== undefined,
              serverStreaming: rpc[3] !== undefined,
              idempotency:
                /idempotency_level\s*=\s*(\w+)/.exec(rpc[4] ?? "")?.[1] ?? "IDEMPOTENCY_UNKNOWN",
            })),
          });
        }
      }
    }
  }
  return services.sort((a, b) => a.typeName.localeCompare(b.typeName));
}

const RPC =
  /\brpc\s+(\w+)\s*\(\s*(stream\s+)?[\w.]+\s*\)\s*returns\s*\(\s*(stream\s+)?[\w.]+\s*\)\s*(?:\{([^{}]*)\}|;)/g;

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

/** The text between the `{` at `open` and its matching `}`. */
function blockAfter(source: string, open: number): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === "{") depth++;
    else if (source[i] === "}" && --depth === 0) return source.slice(open + 1, i);
  }
  throw new Error("unbalanced braces");
}

// ---------------------------------------------------------------------------------------------

/** What a certificate issued by the mesh PKI names (from its subjectAltName). */
export interface IssuedNames {
  readonly dnsNames: readonly string[];
  readonly uris: readonly string[];
}

/** Everything the meaning of the edge config is checked against. */
export interface EdgeExpectations {
  readonly services: readonly ContractService[];
  /** Proto package -> mesh identity (edge-settings.yaml). */
  readonly identityOf: ReadonlyMap<string, string>;
  /** Mesh identity -> names on the certificate the mesh PKI issues it. */
  readonly certificates: ReadonlyMap<string, IssuedNames>;
  readonly edgeIdentity: string;
  /** Files `npm run certs` writes: the CA bundle and the edge's pair (base names). */
  readonly files: { readonly ca: string; readonly edgeCert: string; readonly edgeKey: string };
  /** The JWKS path auth serves. */
  readonly jwksPath: string;
  /** Stream heartbeat interval in seconds: stream idle timeouts must be longer. */
  readonly heartbeatSeconds: number;
}

/** Request headers browsers must be allowed to send (Connect, gRPC-Web, auth, tracing). */
export const REQUIRED_CORS_ALLOW_HEADERS = [
  "content-type",
  "connect-protocol-version",
  "connect-timeout-ms",
  "connect-accept-encoding",
  "connect-content-encoding",
  "grpc-timeout",
  "x-grpc-web",
  "x-user-agent",
  "authorization",
  "traceparent",
  "tracestate",
];
/** Response headers browser code must be able to read (status and Connect's error headers). */
export const REQUIRED_CORS_EXPOSE_HEADERS = [
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "connect-content-encoding",
  "content-encoding",
];
/** Retry conditions that cannot replay a call a handler already ran. */
const SAFE_RETRY_CONDITIONS = new Set(["connect-failure", "refused-stream"]);

type Json = Record<string, unknown>;

/**
 * Checks what the config means: every contract method routes to its service's cluster with the
 * right timeout and retry behaviour, every cluster authenticates exactly the identity that
 * serves those routes, CORS, filter order, tracing and access logs. Returns one line per
 * problem; empty means it holds.
 */
export function checkEdgeConfig(config: unknown, expect: EdgeExpectations): string[] {
  const problems: string[] = [];
  const bootstrap = config as Json;
  const resources = obj(bootstrap.static_resources);
  const listeners = arr(resources.listeners);
  const clusters = new Map(arr(resources.clusters).map((c) => [str(c.name), c]));
  if (listeners.length !== 1) problems.push(`expected one listener, found ${listeners.length}`);
  const listener = listeners[0] ?? {};
  const chain = arr(listener.filter_chains)[0] ?? {};
  const hcm = obj(
    arr(chain.filters).find((f) => f.name === "envoy.filters.network.http_connection_manager")
      ?.typed_config,
  );
  const vhosts = arr(obj(hcm.route_config).virtual_hosts);
  if (vhosts.length !== 1) problems.push(`expected one virtual host, found ${vhosts.length}`);
  const vhost = vhosts[0] ?? {};
  const routes = arr(vhost.routes);

  // Downstream TLS for browsers.
  const downstream = obj(obj(chain.transport_socket).typed_config);
  if (!str(downstream["@type"]).endsWith(".DownstreamTlsContext")) {
    problems.push("the listener has no TLS (DownstreamTlsContext)");
  }
  const downAlpn = arr<string>(obj(downstream.common_tls_context).alpn_protocols);
  for (const proto of ["h2", "http/1.1"]) {
    if (!downAlpn.includes(proto)) problems.push(`the listener does not offer ALPN ${proto}`);
  }

  // Routing of every contract method.
  const clusterServices = new Map<string, Set<string>>();
  for (const service of expect.services) {
    const identity = expect.identityOf.get(service.packageName);
    if (identity === undefined) {
      problems.push(`${service.typeName}: no identity for package ${service.packageName}`);
      continue;
    }
    const prefixRoute = routes.find((r) => obj(r.match).prefix === `/${service.typeName}/`);
    if (!prefixRoute)
      problems.push(`${service.typeName}: no route for prefix /${service.typeName}/`);
    for (const method of service.methods) {
      const path = `/${service.typeName}/${method.name}`;
      const route = firstMatch(routes, path);
      if (!route) {
        problems.push(`${path}: no route`);
        continue;
      }
      const action = obj(route.route);
      const cluster = str(action.cluster);
      if (cluster !== identity) {
        problems.push(`${path}: routed to ${cluster || "(no cluster)"}, expected ${identity}`);
        continue;
      }
      clusterServices.set(
        cluster,
        (clusterServices.get(cluster) ?? new Set()).add(service.typeName),
      );
      const streaming = method.clientStreaming || method.serverStreaming;
      if (streaming) {
        if (action.timeout !== "0s") {
          problems.push(`${path}: a stream needs route timeout 0s, has ${show(action.timeout)}`);
        }
        const idle = seconds(action.idle_timeout ?? hcm.stream_idle_timeout);
        if (idle === undefined || idle <= expect.heartbeatSeconds) {
          problems.push(
            `${path}: stream idle timeout must exceed the ${expect.heartbeatSeconds}s heartbeat`,
          );
        }
      } else {
        const timeout = seconds(action.timeout);
        if (timeout === undefined || timeout === 0) {
          problems.push(`${path}: a unary call needs a route timeout, has ${show(action.timeout)}`);
        }
      }
      const retryOn = str(obj(action.retry_policy ?? vhost.retry_policy).retry_on)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const retryable =
        !streaming &&
        (method.idempotency === "NO_SIDE_EFFECTS" || method.idempotency === "IDEMPOTENT");
      if (retryable && !retryOn.includes("unavailable")) {
        problems.push(`${path}: ${method.idempotency} but not retried on unavailable`);
      }
      const unsafe = retryOn.filter((c) => !SAFE_RETRY_CONDITIONS.has(c));
      if (!retryable && unsafe.length > 0) {
        problems.push(`${path}: may not be replayed, but retries on ${unsafe.join(", ")}`);
      }
    }
  }

  // JWKS and the route targets.
  const jwks = firstMatch(routes, expect.jwksPath);
  const authIdentity = expect.identityOf.get("auth");
  if (!jwks || obj(jwks.route).cluster !== authIdentity) {
    problems.push(`${expect.jwksPath}: not routed to ${authIdentity}`);
  }
  for (const route of routes) {
    const action = route.route === undefined ? undefined : obj(route.route);
    if (action && !clusters.has(str(action.cluster))) {
      problems.push(`route ${show(route.name)}: cluster ${show(action.cluster)} does not exist`);
    }
  }

  // Upstream identity: SNI and SAN must be exactly what the mesh PKI issues the service.
  for (const [clusterName, served] of clusterServices) {
    const cluster = clusters.get(clusterName);
    if (!cluster) continue;
    const at = `cluster ${clusterName}`;
    const issued = expect.certificates.get(clusterName);
    if (!issued) {
      problems.push(`${at}: the mesh PKI issues no certificate for ${clusterName}`);
      continue;
    }
    const tls = obj(obj(cluster.transport_socket).typed_config);
    if (!str(tls["@type"]).endsWith(".UpstreamTlsContext")) {
      problems.push(`${at}: no upstream TLS`);
      continue;
    }
    const sni = str(tls.sni);
    if (!issued.dnsNames.includes(sni)) {
      problems.push(
        `${at}: SNI ${show(sni)} is not a DNS name on its certificate (${issued.dnsNames.join(", ")})`,
      );
    }
    const endpoints = arr(obj(cluster.load_assignment).endpoints).flatMap((e) =>
      arr(e.lb_endpoints),
    );
    for (const endpoint of endpoints) {
      const host = obj(obj(obj(endpoint.endpoint).address).socket_address).address;
      if (host !== sni)
        problems.push(`${at}: SNI ${show(sni)} differs from its address ${show(host)}`);
    }
    const common = obj(tls.common_tls_context);
    const validation = obj(common.validation_context);
    const sans = arr(validation.match_typed_subject_alt_names);
    const uris = sans.filter((s) => s.san_type === "URI").map((s) => obj(s.matcher));
    if (sans.length !== 1 || uris.length !== 1 || Object.keys(uris[0] ?? {}).join() !== "exact") {
      problems.push(`${at}: must require exactly one URI SAN by exact match`);
    } else if (!issued.uris.includes(str(uris[0]?.exact))) {
      problems.push(
        `${at}: requires SAN ${show(uris[0]?.exact)}, its certificate carries ${issued.uris.join(", ")}`,
      );
    }
    if (basename(str(obj(validation.trusted_ca).filename)) !== expect.files.ca) {
      problems.push(`${at}: does not trust the mesh CA (${expect.files.ca})`);
    }
    const own = arr(common.tls_certificates)[0] ?? {};
    if (
      basename(str(obj(own.certificate_chain).filename)) !== expect.files.edgeCert ||
      basename(str(obj(own.private_key).filename)) !== expect.files.edgeKey
    ) {
      problems.push(`${at}: does not present the ${expect.edgeIdentity} certificate`);
    }
    if (!arr<string>(common.alpn_protocols).includes("h2")) problems.push(`${at}: no ALPN h2`);
    const http = obj(
      obj(cluster.typed_extension_protocol_options)[
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
      ],
    );
    if (obj(http.explicit_http_config).http2_protocol_options === undefined) {
      problems.push(`${at}: upstream is not HTTP/2`);
    }
    const grpcHealth = arr(cluster.health_checks)
      .map((h) => h.grpc_health_check)
      .filter(Boolean);
    if (grpcHealth.length === 0) problems.push(`${at}: no grpc.health.v1 health check`);
    for (const check of grpcHealth) {
      if (!served.has(str(obj(check).service_name))) {
        problems.push(
          `${at}: health check asks for ${show(obj(check).service_name)}, which it does not serve`,
        );
      }
    }
    if (cluster.outlier_detection === undefined) problems.push(`${at}: no outlier detection`);
  }

  // Filters, CORS, tracing, access log.
  const filters = arr(hcm.http_filters).map((f) => str(f.name));
  const router = filters.indexOf("envoy.filters.http.router");
  if (router !== filters.length - 1) problems.push("the router must be the last HTTP filter");
  for (const name of ["envoy.filters.http.grpc_web", "envoy.filters.http.cors"]) {
    const i = filters.indexOf(name);
    if (i < 0 || i > router) problems.push(`${name} must come before the router`);
  }
  for (const key of Object.keys(obj(vhost.typed_per_filter_config))) {
    if (!filters.includes(key))
      problems.push(`typed_per_filter_config names ${key}, which is not an HTTP filter`);
  }
  const cors = obj(obj(vhost.typed_per_filter_config)["envoy.filters.http.cors"]);
  const list = (value: unknown) =>
    str(value)
      .split(",")
      .map((h) => h.trim().toLowerCase());
  for (const header of REQUIRED_CORS_EXPOSE_HEADERS) {
    if (!list(cors.expose_headers).includes(header))
      problems.push(`CORS does not expose ${header}`);
  }
  for (const header of REQUIRED_CORS_ALLOW_HEADERS) {
    if (!list(cors.allow_headers).includes(header))
      problems.push(`CORS does not allow request header ${header}`);
  }
  for (const method of ["post", "get", "options"]) {
    if (!list(cors.allow_methods).includes(method))
      problems.push(`CORS does not allow ${method.toUpperCase()}`);
  }
  const provider = obj(obj(hcm.tracing).provider);
  const otel = obj(provider.typed_config);
  const collector = str(obj(obj(otel.grpc_service).envoy_grpc).cluster_name);
  if (provider.name !== "envoy.tracers.opentelemetry" || !clusters.has(collector)) {
    problems.push("tracing must export OTLP to an existing collector cluster");
  }
  const logs = arr(hcm.access_log).map((l) => obj(l.typed_config));
  if (
    !logs.some((l) => str(l["@type"]).endsWith(".StdoutAccessLog") && obj(l.log_format).json_format)
  ) {
    problems.push("no JSON access log on stdout");
  }
  return problems;
}

/** The route Envoy would pick for `path`: the first whose match accepts it. */
export function firstMatch(routes: readonly Json[], path: string): Json | undefined {
  return routes.find((route) => {
    const match = obj(route.match);
    if (typeof match.prefix === "string") return path.startsWith(match.prefix);
    if (typeof match.path === "string") return path === match.path;
    const regex = obj(match.safe_regex).regex;
    // Envoy's route regexes must match the whole path (RE2 full match).
    if (typeof regex === "string") return new RegExp(`^(?:${regex})$`).test(path);
    return false;
  });
}

function seconds(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^\d+(\.\d+)?s$/.test(value)) return undefined;
  return Number.parseFloat(value);
}

function obj(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function arr<T = Json>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? "undefined";
}

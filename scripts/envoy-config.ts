/**
 * `npm run envoy:config`: writes mesh/envoy/envoy.yaml, the Envoy front proxy's bootstrap, from
 * the services declared in proto/ (through the generated descriptors in gen/ts, which CI keeps
 * equal to proto/) and the deployment facts in mesh/envoy/edge-settings.yaml. Routes therefore
 * cannot drift from the contracts: a new service, a new server stream or a changed idempotency
 * level changes the output, and test/envoy-config.test.ts fails until it is regenerated.
 *
 *   npm run envoy:config            write mesh/envoy/envoy.yaml
 *   npm run envoy:config -- --check exit 1 when the file differs from what would be written
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { cors as connectCors } from "@connectrpc/connect";
import { JWKS_PATH } from "@parley/auth";
import {
  CA_CERT_FILE,
  isValidServiceName,
  MESH_IDENTITIES,
  serviceCertificatePaths,
  spiffeIdFor,
} from "@parley/mesh";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the generator reads and writes by default. */
export const ENVOY_PATHS = {
  settings: join(root, "mesh", "envoy", "edge-settings.yaml"),
  output: join(root, "mesh", "envoy", "envoy.yaml"),
  genTs: join(root, "gen", "ts", "parley"),
} as const;

// ---------------------------------------------------------------------------------------------
// Input: mesh/envoy/edge-settings.yaml

/** The deployment facts the Envoy config needs beyond the contracts (see edge-settings.yaml). */
export interface EdgeSettings {
  readonly trustDomain: string;
  readonly edgeIdentity: string;
  readonly certsDir: string;
  readonly listener: { readonly address: string; readonly port: number };
  readonly admin: { readonly address: string; readonly port: number };
  readonly corsAllowedOrigins: readonly string[];
  /** Proto package short name (`messaging` of `parley.messaging.v1`) -> mesh identity. */
  readonly services: ReadonlyMap<string, string>;
  readonly upstreamPort: number;
  readonly web: { readonly host: string; readonly port: number };
  readonly tracing: {
    readonly host: string;
    readonly port: number;
    readonly serviceName: string;
    readonly samplingPercent: number;
  };
  readonly timeouts: {
    readonly unary: string;
    readonly streamIdle: string;
    readonly connect: string;
  };
  readonly retries: {
    readonly attempts: number;
    readonly baseInterval: string;
    readonly maxInterval: string;
  };
  readonly healthChecks: {
    readonly interval: string;
    readonly timeout: string;
    readonly unhealthyThreshold: number;
    readonly healthyThreshold: number;
  };
  readonly outlierDetection: {
    readonly consecutive5xx: number;
    readonly consecutiveGatewayFailure: number;
    readonly interval: string;
    readonly baseEjectionTime: string;
    readonly maxEjectionPercent: number;
  };
}

/** Thrown for an unusable settings file; lists every problem at once. */
export class EdgeSettingsError extends Error {
  override name = "EdgeSettingsError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid edge settings:\n  - ${problems.join("\n  - ")}`);
  }
}

/** A protobuf JSON duration in seconds (`15s`, `0.1s`), the form Envoy reads. */
const DURATION = /^\d+(\.\d{1,9})?s$/;
const HOST = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * Reads and validates edge-settings.yaml: unknown keys, missing keys and values of the wrong
 * shape are all reported, so a typo cannot silently fall back to a default.
 */
export function parseEdgeSettings(text: string): EdgeSettings {
  const problems: string[] = [];
  const doc = parseYaml(text) as unknown;
  const top = section(doc, "", problems, [
    "trust_domain",
    "edge_identity",
    "certs_dir",
    "listener",
    "admin",
    "cors_allowed_origins",
    "services",
    "upstream_port",
    "web",
    "tracing",
    "timeouts",
    "retries",
    "health_checks",
    "outlier_detection",
  ]);
  const str = (obj: Record<string, unknown>, key: string, at: string, pattern?: RegExp) => {
    const value = obj[key];
    if (typeof value !== "string" || value === "" || (pattern && !pattern.test(value))) {
      problems.push(`${at}${key}: expected ${pattern ? `a value matching ${pattern}` : "text"}`);
      return "";
    }
    return value;
  };
  const int = (obj: Record<string, unknown>, key: string, at: string, min: number, max: number) => {
    const value = obj[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${at}${key}: expected a whole number from ${min} to ${max}`);
      return min;
    }
    return value;
  };
  const endpoint = (key: string) => {
    const s = section(top[key], `${key}.`, problems, ["address", "port"]);
    return { address: str(s, "address", `${key}.`), port: int(s, "port", `${key}.`, 1, 65535) };
  };
  const hostPort = (key: string) => {
    const s = section(top[key], `${key}.`, problems, ["host", "port"]);
    return { host: str(s, "host", `${key}.`, HOST), port: int(s, "port", `${key}.`, 1, 65535) };
  };

  const edgeIdentity = str(top, "edge_identity", "");
  if (edgeIdentity && !(MESH_IDENTITIES as readonly string[]).includes(edgeIdentity)) {
    problems.push(`edge_identity: ${edgeIdentity} is not one of ${MESH_IDENTITIES.join(", ")}`);
  }
  const origins = top.cors_allowed_origins;
  const corsAllowedOrigins: string[] = [];
  if (!Array.isArray(origins) || origins.length === 0) {
    problems.push("cors_allowed_origins: expected a list of origins");
  } else {
    for (const origin of origins) {
      if (typeof origin !== "string" || !/^https?:\/\/[^/\s]+$/.test(origin)) {
        problems.push(`cors_allowed_origins: ${JSON.stringify(origin)} is not an origin`);
      } else corsAllowedOrigins.push(origin);
    }
  }
  const services = new Map<string, string>();
  const serviceMap = section(top.services, "services.", problems, undefined);
  for (const [pkg, identity] of Object.entries(serviceMap)) {
    if (typeof identity !== "string" || !isValidServiceName(identity)) {
      problems.push(`services.${pkg}: expected a mesh identity name`);
    } else if (!(MESH_IDENTITIES as readonly string[]).includes(identity)) {
      problems.push(`services.${pkg}: ${identity} is not a mesh identity (mesh/src/pki)`);
    } else services.set(pkg, identity);
  }
  const tracing = section(top.tracing, "tracing.", problems, [
    "host",
    "port",
    "service_name",
    "sampling_percent",
  ]);
  const timeouts = section(top.timeouts, "timeouts.", problems, [
    "unary",
    "stream_idle",
    "connect",
  ]);
  const retries = section(top.retries, "retries.", problems, [
    "attempts",
    "base_interval",
    "max_interval",
  ]);
  const health = section(top.health_checks, "health_checks.", problems, [
    "interval",
    "timeout",
    "unhealthy_threshold",
    "healthy_threshold",
  ]);
  const outlier = section(top.outlier_detection, "outlier_detection.", problems, [
    "consecutive_5xx",
    "consecutive_gateway_failure",
    "interval",
    "base_ejection_time",
    "max_ejection_percent",
  ]);
  const settings: EdgeSettings = {
    trustDomain: str(top, "trust_domain", "", /^[a-z0-9._-]+$/),
    edgeIdentity,
    certsDir: str(top, "certs_dir", "", /^\/[\w./-]*$/),
    listener: endpoint("listener"),
    admin: endpoint("admin"),
    corsAllowedOrigins,
    services,
    upstreamPort: int(top, "upstream_port", "", 1, 65535),
    web: hostPort("web"),
    tracing: {
      host: str(tracing, "host", "tracing.", HOST),
      port: int(tracing, "port", "tracing.", 1, 65535),
      serviceName: str(tracing, "service_name", "tracing."),
      samplingPercent: int(tracing, "sampling_percent", "tracing.", 0, 100),
    },
    timeouts: {
      unary: str(timeouts, "unary", "timeouts.", DURATION),
      streamIdle: str(timeouts, "stream_idle", "timeouts.", DURATION),
      connect: str(timeouts, "connect", "timeouts.", DURATION),
    },
    retries: {
      attempts: int(retries, "attempts", "retries.", 1, 5),
      baseInterval: str(retries, "base_interval", "retries.", DURATION),
      maxInterval: str(retries, "max_interval", "retries.", DURATION),
    },
    healthChecks: {
      interval: str(health, "interval", "health_checks.", DURATION),
      timeout: str(health, "timeout", "health_checks.", DURATION),
      unhealthyThreshold: int(health, "unhealthy_threshold", "health_checks.", 1, 10),
      healthyThreshold: int(health, "healthy_threshold", "health_checks.", 1, 10),
    },
    outlierDetection: {
      consecutive5xx: int(outlier, "consecutive_5xx", "outlier_detection.", 1, 100),
      consecutiveGatewayFailure: int(
        outlier,
        "consecutive_gateway_failure",
        "outlier_detection.",
        1,
        100,
      ),
      interval: str(outlier, "interval", "outlier_detection.", DURATION),
      baseEjectionTime: str(outlier, "base_ejection_time", "outlier_detection.", DURATION),
      maxEjectionPercent: int(outlier, "max_ejection_percent", "outlier_detection.", 1, 100),
    },
  };
  if (problems.length > 0) throw new EdgeSettingsError(problems);
  return settings;
}

/** An object at `at`, with only the `allowed` keys (every key when `allowed` is undefined). */
function section(
  value: unknown,
  at: string,
  problems: string[],
  allowed: readonly string[] | undefined,
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`${at || "(top level)"}: expected a mapping`);
    return {};
  }
  const obj = value as Record<string, unknown>;
  if (allowed) {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) problems.push(`${at}${key}: unknown setting`);
    }
    for (const key of allowed) {
      if (!(key in obj)) problems.push(`${at}${key}: missing`);
    }
  }
  return obj;
}

// ---------------------------------------------------------------------------------------------
// Input: the contracts (gen/ts descriptors)

/** How Envoy must treat one RPC. */
export interface ProtoMethod {
  readonly name: string;
  /** Any streaming kind: no route timeout, idle timeout instead, never retried by Envoy. */
  readonly streaming: boolean;
  /** `NO_SIDE_EFFECTS` or `IDEMPOTENT` in the contract: safe to retry on `unavailable`. */
  readonly retryable: boolean;
}

/** One proto service and the package short name that picks its upstream. */
export interface ProtoService {
  /** e.g. `parley.messaging.v1.MessagingService`. */
  readonly typeName: string;
  /** e.g. `messaging` (from `parley.messaging.v1`). */
  readonly packageName: string;
  readonly methods: readonly ProtoMethod[];
}

/** Reduces a protobuf-es service descriptor to what routing needs. */
export function describeService(service: DescService): ProtoService {
  const match = /^parley\.([a-z0-9]+)\.v\d+\.[A-Za-z0-9]+$/.exec(service.typeName);
  if (!match?.[1]) throw new Error(`unexpected service name ${service.typeName}`);
  return {
    typeName: service.typeName,
    packageName: match[1],
    methods: service.methods.map((method) => ({
      name: method.name,
      streaming: method.methodKind !== "unary",
      retryable:
        method.methodKind === "unary" &&
        (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ||
          method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT),
    })),
  };
}

/**
 * Every Parley service in the generated descriptors under gen/ts/parley/<pkg>/v1, found on disk
 * so a new contract cannot be missed; sorted by name so the output is stable.
 */
export async function loadProtoServices(
  genRoot: string = ENVOY_PATHS.genTs,
): Promise<ProtoService[]> {
  const found = new Map<string, ProtoService>();
  for (const pkg of readdirSync(genRoot).sort()) {
    for (const version of readdirSync(join(genRoot, pkg)).sort()) {
      const dir = join(genRoot, pkg, version);
      for (const file of readdirSync(dir)
        .filter((f) => f.endsWith("_pb.ts"))
        .sort()) {
        const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
        for (const value of Object.values(mod)) {
          const desc = value as DescService | undefined;
          if (desc?.kind === "service") found.set(desc.typeName, describeService(desc));
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => a.typeName.localeCompare(b.typeName));
}

// ---------------------------------------------------------------------------------------------
// Output: the Envoy bootstrap

/** Request headers browsers may send: Connect, gRPC-Web, bearer tokens and W3C trace context. */
export const CORS_ALLOW_HEADERS: readonly string[] = unique([
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
  ...connectCors.allowedHeaders,
]);

/**
 * Response headers browser code may read: gRPC(-Web) status and details, Connect's encodings,
 * and `retry-after`, which Parley's rate-limit errors carry (Connect unary errors send metadata
 * as headers).
 */
export const CORS_EXPOSE_HEADERS: readonly string[] = unique([
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "content-encoding",
  "connect-content-encoding",
  "retry-after",
  ...connectCors.exposedHeaders,
]);

/** Methods a browser may use: POST (all protocols), GET (Connect GET for NO_SIDE_EFFECTS). */
export const CORS_ALLOW_METHODS: readonly string[] = ["POST", "GET", "OPTIONS"];

/** The cluster name of the OTLP collector Envoy exports its spans to. */
export const TRACING_CLUSTER = "otel-collector";
/** The cluster name of the web app's static files. */
export const WEB_CLUSTER = "web";
/** Streams per upstream connection to a service (see the clusters below). */
const UPSTREAM_MAX_CONCURRENT_STREAMS = 100;

/** Retry conditions safe for any request: it never reached an upstream handler. */
export const SAFE_RETRY_ON = "connect-failure,refused-stream";

const TLS_SOCKET = "envoy.transport_sockets.tls";
const HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
const type = (name: string) => `type.googleapis.com/${name}`;

/**
 * Builds the bootstrap as a plain object in the protobuf JSON form Envoy reads: one cluster per
 * upstream identity (mTLS with the edge's certificate, SNI = its DNS name, the peer's SPIFFE id
 * required as URI SAN, HTTP/2, gRPC health checks, outlier detection), and per proto service a
 * route for its streams (no timeout), one for its retryable unary RPCs and one for the rest.
 */
export function buildEnvoyBootstrap(
  services: readonly ProtoService[],
  settings: EdgeSettings,
): Record<string, unknown> {
  const cert = (file: string) => posix.join(settings.certsDir, file);
  const edge = serviceCertificatePaths(settings.certsDir, settings.edgeIdentity);
  const edgeCertificate = {
    certificate_chain: { filename: edge.certPath },
    private_key: { filename: edge.keyPath },
  };

  const byIdentity = new Map<string, ProtoService[]>();
  for (const service of services) {
    const identity = settings.services.get(service.packageName);
    if (identity === undefined) {
      throw new Error(
        `${service.typeName}: add "${service.packageName}: <identity>" under services in ${relative(root, ENVOY_PATHS.settings)}`,
      );
    }
    byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), service]);
  }

  const routes: Record<string, unknown>[] = [];
  for (const service of services) {
    const cluster = settings.services.get(service.packageName) as string;
    const prefix = `/${service.typeName}/`;
    const pathsOf = (methods: readonly ProtoMethod[]) =>
      `^${escapeRegex(prefix)}(${methods.map((m) => m.name).join("|")})$`;
    const streams = service.methods.filter((m) => m.streaming);
    const retryable = service.methods.filter((m) => m.retryable);
    if (streams.length > 0) {
      routes.push({
        name: `${service.typeName}: server streams`,
        match: { safe_regex: { regex: pathsOf(streams) } },
        route: { cluster, timeout: "0s", idle_timeout: settings.timeouts.streamIdle },
      });
    }
    if (retryable.length > 0) {
      routes.push({
        name: `${service.typeName}: idempotent unary`,
        match: { safe_regex: { regex: pathsOf(retryable) } },
        route: {
          cluster,
          timeout: settings.timeouts.unary,
          retry_policy: retryPolicy(
            settings,
            `unavailable,retriable-status-codes,${SAFE_RETRY_ON}`,
          ),
        },
      });
    }
    routes.push({
      name: `${service.typeName}: other unary`,
      match: { prefix },
      route: { cluster, timeout: settings.timeouts.unary },
    });
  }
  const jwksIdentity = settings.services.get("auth");
  if (jwksIdentity !== undefined) {
    routes.push({
      name: "auth: JWKS for verifiers outside the mesh",
      match: { path: JWKS_PATH },
      route: { cluster: jwksIdentity, timeout: settings.timeouts.unary },
    });
  }
  routes.push(
    {
      name: "unknown RPCs: 404 (gRPC clients read it as unimplemented)",
      match: { prefix: "/parley." },
      direct_response: { status: 404 },
    },
    {
      name: "grpc.* (health, reflection) stays inside the mesh",
      match: { prefix: "/grpc." },
      direct_response: { status: 404 },
    },
    {
      name: "web app",
      match: { prefix: "/" },
      route: { cluster: WEB_CLUSTER, timeout: settings.timeouts.unary },
    },
  );

  const clusters: Record<string, unknown>[] = [];
  for (const [identity, hosted] of [...byIdentity].sort(([a], [b]) => a.localeCompare(b))) {
    clusters.push({
      ...dnsCluster(identity, identity, settings.upstreamPort, settings),
      typed_extension_protocol_options: http2Options({
        connection_keepalive: { interval: "30s", timeout: "5s" },
        // At most this many streams share one upstream connection, so the RST_STREAMs of many
        // browsers leaving at once (a deploy, a network blip) spread over several connections:
        // Node 20's HTTP/2 server ends a connection past 1,000 resets in a burst, then 33 a
        // second (nghttp2's rapid-reset defence), which would drop every stream on it.
        max_concurrent_streams: UPSTREAM_MAX_CONCURRENT_STREAMS,
      }),
      transport_socket: {
        name: TLS_SOCKET,
        typed_config: {
          "@type": type("envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"),
          sni: identity,
          common_tls_context: {
            alpn_protocols: ["h2"],
            tls_params: { tls_minimum_protocol_version: "TLSv1_2" },
            tls_certificates: [edgeCertificate],
            validation_context: {
              trusted_ca: { filename: cert(CA_CERT_FILE) },
              match_typed_subject_alt_names: [
                {
                  san_type: "URI",
                  matcher: { exact: spiffeIdFor(identity, settings.trustDomain) },
                },
              ],
            },
          },
        },
      },
      health_checks: [
        {
          ...healthCheckTiming(settings),
          grpc_health_check: {
            service_name: (hosted[0] as ProtoService).typeName,
            authority: identity,
          },
        },
      ],
      outlier_detection: {
        consecutive_5xx: settings.outlierDetection.consecutive5xx,
        consecutive_gateway_failure: settings.outlierDetection.consecutiveGatewayFailure,
        interval: settings.outlierDetection.interval,
        base_ejection_time: settings.outlierDetection.baseEjectionTime,
        max_ejection_percent: settings.outlierDetection.maxEjectionPercent,
      },
      circuit_breakers: {
        thresholds: [
          {
            priority: "DEFAULT",
            max_connections: 1024,
            max_pending_requests: 1024,
            // Every open Subscribe stream is a request: the default (1024) would cap live clients.
            max_requests: 100000,
            retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 3 },
          },
        ],
      },
    });
  }
  clusters.push(
    {
      ...dnsCluster(WEB_CLUSTER, settings.web.host, settings.web.port, settings),
      health_checks: [{ ...healthCheckTiming(settings), http_health_check: { path: "/" } }],
    },
    {
      ...dnsCluster(TRACING_CLUSTER, settings.tracing.host, settings.tracing.port, settings),
      typed_extension_protocol_options: http2Options({}),
    },
  );

  const httpConnectionManager = {
    "@type": type(
      "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    ),
    stat_prefix: "edge",
    codec_type: "AUTO",
    use_remote_address: true,
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: "UNESCAPE_AND_REDIRECT",
    request_headers_timeout: "10s",
    stream_idle_timeout: "300s",
    common_http_protocol_options: {
      idle_timeout: "3600s",
      headers_with_underscores_action: "REJECT_REQUEST",
    },
    http2_protocol_options: {
      max_concurrent_streams: 100,
      initial_stream_window_size: 65536,
      initial_connection_window_size: 1048576,
    },
    access_log: [
      {
        name: "envoy.access_loggers.stdout",
        typed_config: {
          "@type": type("envoy.extensions.access_loggers.stream.v3.StdoutAccessLog"),
          log_format: { json_format: ACCESS_LOG_FIELDS },
        },
      },
    ],
    tracing: {
      random_sampling: { value: settings.tracing.samplingPercent },
      spawn_upstream_span: true,
      provider: {
        name: "envoy.tracers.opentelemetry",
        typed_config: {
          "@type": type("envoy.config.trace.v3.OpenTelemetryConfig"),
          grpc_service: { envoy_grpc: { cluster_name: TRACING_CLUSTER }, timeout: "1s" },
          service_name: settings.tracing.serviceName,
        },
      },
    },
    route_config: {
      name: "edge",
      // Services trust the first X-Forwarded-For entry from the edge (rate limits per client
      // address), so the edge replaces whatever the browser sent with the address it sees.
      request_headers_to_add: [
        {
          header: { key: "x-forwarded-for", value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" },
          append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
        },
      ],
      virtual_hosts: [
        {
          name: "parley",
          domains: ["*"],
          // Every route retries only failures where the request provably never reached a
          // handler; the idempotent unary routes replace this with their own policy.
          retry_policy: retryPolicy(settings, SAFE_RETRY_ON),
          typed_per_filter_config: {
            "envoy.filters.http.cors": {
              "@type": type("envoy.extensions.filters.http.cors.v3.CorsPolicy"),
              allow_origin_string_match: settings.corsAllowedOrigins.map((exact) => ({ exact })),
              allow_methods: CORS_ALLOW_METHODS.join(","),
              allow_headers: CORS_ALLOW_HEADERS.join(","),
              expose_headers: CORS_EXPOSE_HEADERS.join(","),
              max_age: "7200",
              allow_credentials: false,
            },
          },
          routes,
        },
      ],
    },
    // gRPC-Web is translated to gRPC first, CORS answers preflights before routing, and the
    // router is last, as Envoy requires.
    http_filters: [
      {
        name: "envoy.filters.http.grpc_web",
        typed_config: { "@type": type("envoy.extensions.filters.http.grpc_web.v3.GrpcWeb") },
      },
      {
        name: "envoy.filters.http.cors",
        typed_config: { "@type": type("envoy.extensions.filters.http.cors.v3.Cors") },
      },
      {
        name: "envoy.filters.http.router",
        typed_config: { "@type": type("envoy.extensions.filters.http.router.v3.Router") },
      },
    ],
  };

  return {
    node: { id: "parley-edge", cluster: "parley-edge" },
    admin: {
      address: {
        socket_address: { address: settings.admin.address, port_value: settings.admin.port },
      },
    },
    static_resources: {
      listeners: [
        {
          name: "edge_https",
          address: {
            socket_address: {
              address: settings.listener.address,
              port_value: settings.listener.port,
            },
          },
          per_connection_buffer_limit_bytes: 32768,
          filter_chains: [
            {
              transport_socket: {
                name: TLS_SOCKET,
                typed_config: {
                  "@type": type("envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"),
                  common_tls_context: {
                    alpn_protocols: ["h2", "http/1.1"],
                    tls_params: { tls_minimum_protocol_version: "TLSv1_2" },
                    tls_certificates: [edgeCertificate],
                  },
                },
              },
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: httpConnectionManager,
                },
              ],
            },
          ],
        },
      ],
      clusters,
    },
  };
}

/**
 * One JSON line per request on stdout. The query string is left out (Connect GET requests carry
 * the message there) and so is every credential header.
 */
const ACCESS_LOG_FIELDS = {
  time: "%START_TIME%",
  method: "%REQ(:METHOD)%",
  path: "%REQ_WITHOUT_QUERY(:PATH)%",
  protocol: "%PROTOCOL%",
  status: "%RESPONSE_CODE%",
  grpc_status: "%GRPC_STATUS%",
  flags: "%RESPONSE_FLAGS%",
  duration_ms: "%DURATION%",
  upstream_ms: "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
  bytes_in: "%BYTES_RECEIVED%",
  bytes_out: "%BYTES_SENT%",
  cluster: "%UPSTREAM_CLUSTER%",
  upstream: "%UPSTREAM_HOST%",
  client: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
  user_agent: "%REQ(USER-AGENT)%",
  request_id: "%REQ(X-REQUEST-ID)%",
  traceparent: "%REQ(TRACEPARENT)%",
};

/** A cluster resolving `host` by DNS and balancing over every address (compose replicas). */
function dnsCluster(name: string, host: string, port: number, settings: EdgeSettings) {
  return {
    name,
    type: "STRICT_DNS",
    dns_lookup_family: "V4_PREFERRED",
    // New replicas (`docker compose up --scale`) are picked up within this interval.
    dns_refresh_rate: "5s",
    connect_timeout: settings.timeouts.connect,
    lb_policy: "LEAST_REQUEST",
    per_connection_buffer_limit_bytes: 32768,
    // Never fall back to unhealthy hosts ("panic mode"): a dead instance fails fast with 503.
    common_lb_config: { healthy_panic_threshold: { value: 0 } },
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: host, port_value: port } } } },
          ],
        },
      ],
    },
  };
}

function http2Options(http2: Record<string, unknown>) {
  return {
    [HTTP_OPTIONS]: {
      "@type": type(HTTP_OPTIONS),
      explicit_http_config: { http2_protocol_options: http2 },
    },
  };
}

function healthCheckTiming(settings: EdgeSettings) {
  return {
    timeout: settings.healthChecks.timeout,
    interval: settings.healthChecks.interval,
    no_traffic_interval: settings.healthChecks.interval,
    unhealthy_threshold: settings.healthChecks.unhealthyThreshold,
    healthy_threshold: settings.healthChecks.healthyThreshold,
  };
}

function retryPolicy(settings: EdgeSettings, retryOn: string) {
  return {
    retry_on: retryOn,
    ...(retryOn.includes("retriable-status-codes") && {
      // Connect answers `unavailable` with HTTP 503 (gRPC carries it in grpc-status instead).
      retriable_status_codes: [503],
    }),
    num_retries: settings.retries.attempts,
    retry_back_off: {
      base_interval: settings.retries.baseInterval,
      max_interval: settings.retries.maxInterval,
    },
    // Try another instance than the one that just failed.
    retry_host_predicate: [
      {
        name: "envoy.retry_host_predicates.previous_hosts",
        typed_config: {
          "@type": type("envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"),
        },
      },
    ],
    host_selection_retry_max_attempts: 3,
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.toLowerCase()))];
}

const HEADER = `# GENERATED by \`npm run envoy:config\` (scripts/envoy-config.ts) from proto/ and
# mesh/envoy/edge-settings.yaml. Do not edit: change those and regenerate.
# test/envoy-config.test.ts checks this file against Envoy's API schema and fails when it drifts.
`;

/** The bootstrap as the YAML text written to mesh/envoy/envoy.yaml. */
export function renderEnvoyYaml(bootstrap: Record<string, unknown>): string {
  return HEADER + stringifyYaml(bootstrap, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** What `npm run envoy:config` writes, from the given (default: the repository's) inputs. */
export async function generateEnvoyConfig(
  paths: { readonly settings?: string; readonly genTs?: string } = {},
): Promise<string> {
  const settings = parseEdgeSettings(readFileSync(paths.settings ?? ENVOY_PATHS.settings, "utf8"));
  const services = await loadProtoServices(paths.genTs ?? ENVOY_PATHS.genTs);
  return renderEnvoyYaml(buildEnvoyBootstrap(services, settings));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
  const text = await generateEnvoyConfig();
  const target = relative(process.cwd(), ENVOY_PATHS.output);
  if (values.check) {
    let current = "";
    try {
      current = readFileSync(ENVOY_PATHS.output, "utf8");
    } catch {}
    if (current !== text) {
      console.error(`${target} is out of date: run npm run envoy:config and commit it`);
      process.exitCode = 1;
    } else console.log(`${target} is up to date`);
    return;
  }
  writeFileSync(ENVOY_PATHS.output, text);
  console.log(`wrote ${target}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}

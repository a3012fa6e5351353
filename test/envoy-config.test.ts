/**
 * The Envoy edge config (mesh/envoy/envoy.yaml), checked statically because Envoy cannot run on
 * the build machine: it is exactly what the generator writes from proto/, it parses under
 * Envoy's own API schema (the protos shipped in @grpc/grpc-js-xds, Any values included, unknown
 * fields rejected), and it means what the edge must mean (routes, timeouts, retries, upstream
 * identities matching the certificates the mesh PKI issues, CORS). Each checker is also fed
 * broken configs to show it rejects them.
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { JWKS_PATH } from "@parley/auth";
import {
  caPaths,
  MESH_IDENTITIES,
  parseSubjectAltName,
  serviceCertificatePaths,
} from "@parley/mesh";
import { loadMessagingConfig } from "@parley/messaging";
import test from "ava";
import { parse } from "yaml";
import {
  buildEnvoyBootstrap,
  EdgeSettingsError,
  ENVOY_PATHS,
  generateEnvoyConfig,
  loadProtoServices,
  type ProtoService,
  parseEdgeSettings,
  renderEnvoyYaml,
} from "../scripts/envoy-config.js";
import {
  checkEdgeConfig,
  type EdgeExpectations,
  type IssuedNames,
  readContractServices,
} from "./support/envoy-edge.js";
import { checkEnvoyMessage, loadEnvoySchema } from "./support/envoy-schema.js";
import { createTestPki } from "./support/pki.js";

const root = join(import.meta.dirname, "..");
const yamlText = await readFile(ENVOY_PATHS.output, "utf8");
const config = parse(yamlText) as Record<string, unknown>;
const settingsText = await readFile(ENVOY_PATHS.settings, "utf8");
const settings = parseEdgeSettings(settingsText);
const schema = loadEnvoySchema();
const contracts = readContractServices(join(root, "proto"));

/** Certificates issued exactly as `npm run certs` does, read back for their names. */
async function issuedCertificates(): Promise<Map<string, IssuedNames>> {
  const pki = await createTestPki();
  const names = new Map<string, IssuedNames>();
  for (const identity of MESH_IDENTITIES) {
    const pem = await readFile(serviceCertificatePaths(pki.dir, identity).certPath, "utf8");
    const entries = parseSubjectAltName(new X509Certificate(pem).subjectAltName ?? "") ?? [];
    names.set(identity, {
      dnsNames: entries.filter((e) => e.type === "DNS").map((e) => e.value),
      uris: entries.filter((e) => e.type === "URI").map((e) => e.value),
    });
  }
  return names;
}

const expectations: EdgeExpectations = {
  services: contracts,
  identityOf: settings.services,
  certificates: await issuedCertificates(),
  edgeIdentity: settings.edgeIdentity,
  files: {
    ca: basename(caPaths("/").certPath),
    edgeCert: basename(serviceCertificatePaths("/", settings.edgeIdentity).certPath),
    edgeKey: basename(serviceCertificatePaths("/", settings.edgeIdentity).keyPath),
  },
  jwksPath: JWKS_PATH,
  heartbeatSeconds: loadMessagingConfig({}).heartbeatIntervalMs / 1000,
};

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked freely by the assertions
type Json = Record<string, any>;
/** A deep copy of the config with `change` applied. */
function broken(change: (c: Json) => void): Json {
  const copy = structuredClone(config) as Json;
  change(copy);
  return copy;
}
const hcmOf = (c: Json): Json =>
  c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const vhostOf = (c: Json): Json => hcmOf(c).route_config.virtual_hosts[0];
const clusterOf = (c: Json, name: string): Json =>
  c.static_resources.clusters.find((cl: Json) => cl.name === name);
const tlsOf = (c: Json, name: string): Json => clusterOf(c, name).transport_socket.typed_config;

// --- generation --------------------------------------------------------------------------------

test("envoy.yaml is exactly what `npm run envoy:config` writes from proto/ (no drift)", async (t) => {
  t.is(await generateEnvoyConfig(), yamlText);
});

test("`npm run envoy:config -- --check` agrees (exit 0) as a real process", async (t) => {
  const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", join(root, "scripts", "envoy-config.ts"), "--check"],
      { cwd: root, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: child.exitCode, output: `${stdout}${stderr}` });
      },
    );
  });
  t.is(result.code, 0, result.output);
  t.regex(result.output, /mesh\/envoy\/envoy\.yaml is up to date/);
});

test("the generator's descriptors and the proto/ text agree on every service and method", async (t) => {
  const fromGen = (await loadProtoServices()).map((s) => ({
    typeName: s.typeName,
    methods: s.methods.map(
      (m) => `${m.name}${m.streaming ? " stream" : ""}${m.retryable ? " retry" : ""}`,
    ),
  }));
  const fromProto = contracts.map((s) => ({
    typeName: s.typeName,
    methods: s.methods.map((m) => {
      const streaming = m.clientStreaming || m.serverStreaming;
      const retry = !streaming && ["NO_SIDE_EFFECTS", "IDEMPOTENT"].includes(m.idempotency);
      return `${m.name}${streaming ? " stream" : ""}${retry ? " retry" : ""}`;
    }),
  }));
  t.deepEqual(fromGen, fromProto);
  // The parser is not vacuous: six services, and the streams the contracts declare.
  for (const name of [
    "AuthService",
    "MessagingService",
    "NotificationService",
    "VoiceService",
    "FileService",
    "ServerManagementService",
  ]) {
    t.true(
      contracts.some((s) => s.typeName.endsWith(`.v1.${name}`)),
      name,
    );
  }
  t.true(fromProto.some((s) => s.methods.includes("Subscribe stream")));
  t.true(contracts.flatMap((s) => s.methods).length > 80);
});

test("a contract change changes the output, so a stale envoy.yaml is caught", async (t) => {
  const services = await loadProtoServices();
  const changed: ProtoService[] = services.map((s) =>
    s.typeName === "parley.messaging.v1.MessagingService"
      ? {
          ...s,
          methods: s.methods.map((m) =>
            m.name === "ListMessages" ? { ...m, streaming: true } : m,
          ),
        }
      : s,
  );
  t.not(renderEnvoyYaml(buildEnvoyBootstrap(changed, settings)), yamlText);
  t.is(renderEnvoyYaml(buildEnvoyBootstrap(services, settings)), yamlText);
});

test("the generator refuses a package without an upstream identity and unknown settings", async (t) => {
  const services = await loadProtoServices();
  const services2 = new Map(settings.services);
  services2.delete("files");
  t.throws(() => buildEnvoyBootstrap(services, { ...settings, services: services2 }), {
    message: /parley\.files\.v1\.FileService: add "files: <identity>"/,
  });
  const error = t.throws(() => parseEdgeSettings(`${settingsText}\nlistner: {}\n`), {
    instanceOf: EdgeSettingsError,
  });
  t.regex(error.message, /listner: unknown setting/);
  t.throws(
    () => parseEdgeSettings(settingsText.replace("upstream_port: 8443", "upstream_port: http")),
    {
      message: /upstream_port: expected a whole number/,
    },
  );
  t.throws(
    () => parseEdgeSettings(settingsText.replace("servermgmt: server-mgmt", "servermgmt: mgmt")),
    {
      message: /mgmt is not a mesh identity/,
    },
  );
});

// --- Envoy's schema ----------------------------------------------------------------------------

test("envoy.yaml parses as envoy.config.bootstrap.v3.Bootstrap under Envoy's own protos", (t) => {
  t.true(schema.files.includes("envoy/config/bootstrap/v3/bootstrap.proto"));
  t.true(schema.files.length > 300, `loaded ${schema.files.length} Envoy API files`);
  t.deepEqual(checkEnvoyMessage(schema, config), []);
});

test("the schema check rejects unknown fields at every level, inside Any values too", (t) => {
  const top = checkEnvoyMessage(
    schema,
    broken((c) => {
      c.static_resource = {};
    }),
  );
  t.true(
    top.some((p) =>
      /^static_resource: unknown field of envoy\.config\.bootstrap\.v3\.Bootstrap/.test(p),
    ),
    top.join("\n"),
  );
  const deep = checkEnvoyMessage(
    schema,
    broken((c) => {
      hcmOf(c).route_config.virtual_hosts[0].routes[0].route.timout = "1s";
    }),
  );
  t.true(
    deep.some((p) =>
      /routes\[0\]\.route\.timout: unknown field of envoy\.config\.route\.v3\.RouteAction/.test(p),
    ),
    deep.join("\n"),
  );
  const tls = checkEnvoyMessage(
    schema,
    broken((c) => {
      tlsOf(c, "messaging").common_tls_context.validation_context.match_subject_alt_name = [];
    }),
  );
  t.true(
    tls.some((p) => /validation_context\.match_subject_alt_name: unknown field/.test(p)),
    tls.join("\n"),
  );
});

test("the schema check rejects a wrong @type: unknown, or of the wrong extension family", (t) => {
  const unknown = checkEnvoyMessage(
    schema,
    broken((c) => {
      hcmOf(c).http_filters[2].typed_config["@type"] =
        "type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr";
    }),
  );
  t.true(
    unknown.some((p) =>
      /http_filters\[2\]\.typed_config\.@type: unknown type envoy\.extensions\.filters\.http\.router\.v3\.Routr/.test(
        p,
      ),
    ),
    unknown.join("\n"),
  );
  const family = checkEnvoyMessage(
    schema,
    broken((c) => {
      clusterOf(c, "auth").transport_socket.typed_config = {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
      };
    }),
  );
  t.true(
    family.some((p) =>
      /cannot configure envoy\.config\.core\.v3\.TransportSocket\.typed_config/.test(p),
    ),
    family.join("\n"),
  );
  // A real type whose fields do not fit is read as that type, so its fields are unknown.
  const fields = checkEnvoyMessage(
    schema,
    broken((c) => {
      tlsOf(c, "auth")["@type"] =
        "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
    }),
  );
  t.true(
    fields.some((p) =>
      /\.sni: unknown field of envoy\.extensions\.transport_sockets\.tls\.v3\.DownstreamTlsContext/.test(
        p,
      ),
    ),
    fields.join("\n"),
  );
});

test("the schema check rejects bad enums, durations, missing required fields and deprecated fields", (t) => {
  const problems = checkEnvoyMessage(
    schema,
    broken((c) => {
      clusterOf(c, "auth").lb_policy = "LEAST_REQUESTS";
      clusterOf(c, "auth").health_checks[0].interval = 5;
      delete clusterOf(c, "messaging").health_checks[0].timeout;
      vhostOf(c).cors = { allow_methods: "GET" };
      clusterOf(c, "web").connect_timeout = null;
      hcmOf(c).route_config.virtual_hosts[0].routes[0].route.cluster_header = "x-cluster";
    }),
  );
  const expected = [
    /lb_policy: "LEAST_REQUESTS" is not a value of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy/,
    /health_checks\[0\]\.interval: expected a duration/,
    /health_checks\[0\]: timeout is required/,
    /virtual_hosts\[0\]\.cors: deprecated field/,
    /connect_timeout: null is not allowed/,
    /only one of cluster, cluster_header/,
  ];
  for (const pattern of expected)
    t.true(
      problems.some((p) => pattern.test(p)),
      `${pattern}\n${problems.join("\n")}`,
    );
});

// --- meaning -----------------------------------------------------------------------------------

test("every proto service routes to its identity, whose SNI and SAN match the certificate the mesh PKI issues", (t) => {
  t.is(settings.trustDomain, "parley.local"); // the PKI's default, which createTestPki uses
  t.deepEqual(checkEdgeConfig(config, expectations), []);
});

test("the edge's files are the ones `npm run certs` writes", (t) => {
  const tls = tlsOf(config as Json, "messaging");
  t.is(
    tls.common_tls_context.validation_context.trusted_ca.filename,
    join(settings.certsDir, "ca.pem"),
  );
  t.is(
    tls.common_tls_context.tls_certificates[0].certificate_chain.filename,
    join(settings.certsDir, "edge.pem"),
  );
  t.is(
    tls.common_tls_context.tls_certificates[0].private_key.filename,
    join(settings.certsDir, "edge.key"),
  );
  t.true((MESH_IDENTITIES as readonly string[]).includes(settings.edgeIdentity));
});

test("the meaning check rejects a missing route, a route to a missing cluster, and the wrong upstream", (t) => {
  const missing = checkEdgeConfig(
    broken((c) => {
      vhostOf(c).routes = vhostOf(c).routes.filter(
        (r: Json) => !String(r.name).startsWith("parley.voice.v1.VoiceService"),
      );
    }),
    expectations,
  );
  t.true(
    missing.includes(
      "parley.voice.v1.VoiceService: no route for prefix /parley.voice.v1.VoiceService/",
    ),
    missing.join("\n"),
  );
  // Without the voice routes, voice calls fall through to the catch-all 404 for unknown RPCs.
  t.true(
    missing.some((p) =>
      /^\/parley\.voice\.v1\.VoiceService\/JoinRoom: routed to \(no cluster\), expected voice/.test(
        p,
      ),
    ),
    missing.join("\n"),
  );
  const nowhere = checkEdgeConfig(
    broken((c) => {
      c.static_resources.clusters = c.static_resources.clusters.filter(
        (cl: Json) => cl.name !== "files",
      );
    }),
    expectations,
  );
  t.true(
    nowhere.some((p) => /cluster "files" does not exist/.test(p)),
    nowhere.join("\n"),
  );
  const wrong = checkEdgeConfig(
    broken((c) => {
      for (const r of vhostOf(c).routes)
        if (r.route?.cluster === "notifications") r.route.cluster = "messaging";
    }),
    expectations,
  );
  t.true(
    wrong.some((p) =>
      /NotificationService\/Notify: routed to messaging, expected notifications/.test(p),
    ),
    wrong.join("\n"),
  );
});

test("the meaning check rejects a SAN or SNI that does not match the service's certificate", (t) => {
  const san = checkEdgeConfig(
    broken((c) => {
      tlsOf(
        c,
        "messaging",
      ).common_tls_context.validation_context.match_typed_subject_alt_names[0].matcher.exact =
        "spiffe://parley.local/svc/auth";
    }),
    expectations,
  );
  t.true(
    san.some((p) =>
      /cluster messaging: requires SAN "spiffe:\/\/parley\.local\/svc\/auth", its certificate carries spiffe:\/\/parley\.local\/svc\/messaging/.test(
        p,
      ),
    ),
    san.join("\n"),
  );
  const prefix = checkEdgeConfig(
    broken((c) => {
      tlsOf(
        c,
        "auth",
      ).common_tls_context.validation_context.match_typed_subject_alt_names[0].matcher = {
        prefix: "spiffe://parley.local/",
      };
    }),
    expectations,
  );
  t.true(
    prefix.some((p) => /cluster auth: must require exactly one URI SAN by exact match/.test(p)),
    prefix.join("\n"),
  );
  const sni = checkEdgeConfig(
    broken((c) => {
      tlsOf(c, "auth").sni = "auth.parley.local";
    }),
    expectations,
  );
  t.true(
    sni.some((p) =>
      /cluster auth: SNI "auth\.parley\.local" is not a DNS name on its certificate/.test(p),
    ),
    sni.join("\n"),
  );
  const ca = checkEdgeConfig(
    broken((c) => {
      tlsOf(c, "auth").common_tls_context.validation_context.trusted_ca.filename =
        "/etc/ssl/certs/ca-certificates.crt";
    }),
    expectations,
  );
  t.true(
    ca.some((p) => /cluster auth: does not trust the mesh CA/.test(p)),
    ca.join("\n"),
  );
});

test("the meaning check rejects a stream with a route timeout and retries on calls that may not be replayed", (t) => {
  const stream = checkEdgeConfig(
    broken((c) => {
      for (const r of vhostOf(c).routes) if (r.route?.timeout === "0s") r.route.timeout = "15s";
    }),
    expectations,
  );
  t.true(
    stream.includes(
      '/parley.messaging.v1.MessagingService/Subscribe: a stream needs route timeout 0s, has "15s"',
    ),
    stream.join("\n"),
  );
  const replay = checkEdgeConfig(
    broken((c) => {
      vhostOf(c).retry_policy.retry_on = "5xx,connect-failure";
    }),
    expectations,
  );
  t.true(
    replay.some((p) =>
      /MessagingService\/CreateChannel: may not be replayed, but retries on 5xx/.test(p),
    ),
    replay.join("\n"),
  );
  const noRetry = checkEdgeConfig(
    broken((c) => {
      for (const r of vhostOf(c).routes) delete r.route?.retry_policy;
    }),
    expectations,
  );
  t.true(
    noRetry.some((p) =>
      /MessagingService\/SendMessage: IDEMPOTENT but not retried on unavailable/.test(p),
    ),
    noRetry.join("\n"),
  );
});

test("the meaning check rejects missing CORS headers and a router that is not last", (t) => {
  const cors = checkEdgeConfig(
    broken((c) => {
      const policy = vhostOf(c).typed_per_filter_config["envoy.filters.http.cors"];
      policy.expose_headers = "grpc-status";
      policy.allow_headers = policy.allow_headers.replace(",authorization", "");
    }),
    expectations,
  );
  t.true(cors.includes("CORS does not expose grpc-message"), cors.join("\n"));
  t.true(cors.includes("CORS does not allow request header authorization"), cors.join("\n"));
  const order = checkEdgeConfig(
    broken((c) => {
      hcmOf(c).http_filters.reverse();
    }),
    expectations,
  );
  t.true(order.includes("the router must be the last HTTP filter"), order.join("\n"));
});

test("every service cluster spreads its streams over upstream connections of at most 100", (t) => {
  // Node 20's HTTP/2 server ends a connection past 1,000 RST_STREAMs in a burst, then 33 a second
  // (nghttp2's rapid-reset defence): with every browser's stream on one upstream connection, a
  // crowd leaving at once would drop all the others with it.
  const clusters = ((config.static_resources as Json).clusters as Json[]).filter(
    (c) => (c.transport_socket as Json | undefined)?.name === "envoy.transport_sockets.tls",
  );
  t.true(clusters.length >= 4, "the service clusters are found");
  for (const cluster of clusters) {
    const options = (cluster.typed_extension_protocol_options as Json)[
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    ] as Json;
    const http2 = (options.explicit_http_config as Json).http2_protocol_options as Json;
    t.is(http2.max_concurrent_streams, 100, String(cluster.name));
  }
});

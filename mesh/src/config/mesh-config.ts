import { fileURLToPath } from "node:url";

/** Settings every server shares, parsed from an environment the caller's `config.ts` passes in. */
export interface MeshConfig {
  readonly port: number;
  /** Interface to bind; undefined binds every interface. */
  readonly host: string | undefined;
  /** Directory from `npm run certs`; when set the server runs in mesh mode (mTLS). */
  readonly certsDir: string | undefined;
  readonly policyFile: string;
  readonly logLevel: string;
  /** OTLP http/protobuf endpoint for traces (e.g. http://localhost:4318); no export when unset. */
  readonly otlpEndpoint: string | undefined;
}

/** The policy shipped with the mesh package (`mesh/policy.yaml`). */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL("../../policy.yaml", import.meta.url));

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * Reads `PORT`, `HOST`, `PARLEY_CERTS_DIR`, `PARLEY_POLICY_FILE`, `LOG_LEVEL` and
 * `OTEL_EXPORTER_OTLP_ENDPOINT`. Throws one error naming every bad value, so a service fails fast.
 */
export function parseMeshConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaults: { readonly port: number },
): MeshConfig {
  const problems: string[] = [];
  const portText = env.PORT ?? String(defaults.port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    problems.push(`PORT must be 0-65535, got "${portText}"`);
  const logLevel = env.LOG_LEVEL ?? "info";
  if (!LOG_LEVELS.has(logLevel))
    problems.push(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(", ")}`);
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (otlpEndpoint && !/^https?:\/\//.test(otlpEndpoint)) {
    problems.push("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL");
  }
  if (problems.length > 0)
    throw new Error(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return {
    port,
    host: env.HOST || undefined,
    certsDir: env.PARLEY_CERTS_DIR || undefined,
    policyFile: env.PARLEY_POLICY_FILE || DEFAULT_POLICY_FILE,
    logLevel,
    otlpEndpoint,
  };
}

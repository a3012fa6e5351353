import type { Env } from "../config/env-reader.js";
import { ConfigError } from "../config/env-values.js";
import { type MeshConfig, parseMeshConfig } from "../config/mesh-config.js";
import { type ClientConfig, parseClientConfig, redisUrl, upstreamUrls } from "./client-config.js";

/**
 * What a service process that calls its peers reads besides its own settings: the mesh's
 * (port, certificates, policy, logs, tracing), the client's (discovery file, deadlines, retries,
 * breaker), where auth is, and where Redis is.
 */
export interface PeerProcessConfig {
  readonly mesh: MeshConfig;
  /** How this process calls its peers: discovery file, deadlines, retries, circuit breaker. */
  readonly client: ClientConfig;
  /** Every auth instance (JWKS for tokens; LookupUsers where a service needs names). */
  readonly authUrls: readonly string[];
  /** Redis for fan-out between instances and shared state; unset: one instance, in-process. */
  readonly redisUrl: string | undefined;
}

/**
 * Reads a {@link PeerProcessConfig}: `parseMeshConfig` (with `defaults.port`), `parseClientConfig`,
 * `PARLEY_AUTH_URL` (one URL or several separated by commas; default: the discovery file's
 * `auth`, else `http://localhost:8081`, `https://` in mesh mode) and `PARLEY_REDIS_URL`
 * (`redis://` or `rediss://`; default: the discovery file's `redis`; none: in-process).
 *
 * Every problem is pushed onto `problems`, so the service's `config.ts` reports them together
 * with its own; the result is undefined when there was any.
 */
export function readPeerProcessConfig(
  env: Env,
  defaults: { readonly port: number },
  problems: string[],
): PeerProcessConfig | undefined {
  const before = problems.length;
  let mesh: MeshConfig | undefined;
  let client: ClientConfig | undefined;
  try {
    mesh = parseMeshConfig(env, defaults);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  try {
    client = parseClientConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const scheme = env.PARLEY_CERTS_DIR?.trim() ? "https" : "http";
  const authUrls = upstreamUrls(env, client?.discovery, "auth", "PARLEY_AUTH_URL", problems, [
    `${scheme}://localhost:8081`,
  ]);
  const redis = redisUrl(env, client?.discovery, problems);
  if (problems.length > before || !mesh || !client) return undefined;
  return { mesh, client, authUrls, redisUrl: redis };
}

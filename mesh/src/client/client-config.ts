import { createEnvReader, type Env } from "../config/env-reader.js";
import { ConfigError, MINUTE } from "../config/env-values.js";
import type { ConnectToOptions } from "./connect-to.js";
import { addressesOf, type Discovery, loadDiscovery } from "./discovery.js";

/** How this process calls other services: their addresses and the resilience settings. */
export interface ClientConfig {
  /** The discovery file named by `PARLEY_DISCOVERY_FILE`, when set. */
  readonly discovery: Discovery | undefined;
  /** Deadlines, retries and the circuit breaker for every connectTo() of the process. */
  readonly resilience: ResilienceSettings;
}

/** The resilience part of {@link ConnectToOptions}, as configured for a process. */
export type ResilienceSettings = Required<
  Pick<ConnectToOptions, "defaultTimeoutMs" | "connectTimeoutMs" | "retry" | "breaker">
>;

/**
 * Reads how a service calls its peers, from the environment its `config.ts` passes in:
 *
 * | Variable | Default | Meaning |
 * | --- | --- | --- |
 * | `PARLEY_DISCOVERY_FILE` | unset | service → addresses (the local mesh writes it) |
 * | `PARLEY_CALL_TIMEOUT` | `5s` | deadline of a call that sets none (capped by the caller's own) |
 * | `PARLEY_CONNECT_TIMEOUT` | `2s` | a connection not up by then fails with `unavailable` |
 * | `PARLEY_RETRY_ATTEMPTS` | `3` | attempts of an idempotent call on `unavailable` (1 = no retry) |
 * | `PARLEY_BREAKER_FAILURES` | `5` | consecutive transport failures that open an upstream's circuit (`off`: no breaker) |
 * | `PARLEY_BREAKER_COOLDOWN` | `5s` | how long an open circuit fails fast before one probe call |
 *
 * Throws a {@link ConfigError} naming every bad value.
 */
export function parseClientConfig(env: Env): ClientConfig {
  const { problems, read, duration, count } = createEnvReader(env);

  const discovery = discoveryFromEnv(env, problems);
  const breakerOff = read("PARLEY_BREAKER_FAILURES")?.toLowerCase() === "off";
  const resilience: ResilienceSettings = {
    defaultTimeoutMs: duration("PARLEY_CALL_TIMEOUT", "5s", 10, 10 * MINUTE),
    connectTimeoutMs: duration("PARLEY_CONNECT_TIMEOUT", "2s", 10, MINUTE),
    retry: { maxAttempts: count("PARLEY_RETRY_ATTEMPTS", 3, 1, 10) },
    breaker: breakerOff
      ? false
      : {
          failureThreshold: count("PARLEY_BREAKER_FAILURES", 5, 1, 1000),
          halfOpenAfterMs: duration("PARLEY_BREAKER_COOLDOWN", "5s", 10, 10 * MINUTE),
        },
  };
  if (problems.length > 0) throw new ConfigError("mesh client", problems);
  return { discovery, resilience };
}

/** The discovery file `PARLEY_DISCOVERY_FILE` names, if any (a bad file goes onto `problems`). */
export function discoveryFromEnv(env: Env, problems: string[]): Discovery | undefined {
  const file = env.PARLEY_DISCOVERY_FILE?.trim();
  if (!file) return undefined;
  try {
    return loadDiscovery(file);
  } catch (err) {
    problems.push(`PARLEY_DISCOVERY_FILE: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/**
 * The base URLs of an upstream service: the variable `variable` when set (one URL, or several
 * separated by commas), else the discovery file's entry for `service`, else `fallback`.
 * Problems (a malformed URL) are pushed onto `problems`, so a `config.ts` reports them together.
 */
export function upstreamUrls(
  env: Env,
  discovery: Discovery | undefined,
  service: string,
  variable: string,
  problems: string[],
  fallback: readonly string[] = [],
): readonly string[] {
  const raw = env[variable]?.trim();
  if (raw) {
    const urls = raw
      .split(",")
      .map((url) => url.trim())
      .filter(Boolean);
    const bad = urls.find((url) => !isHttpUrl(url));
    if (bad !== undefined || urls.length === 0) {
      problems.push(`${variable}: expected http(s) URLs separated by commas, got "${raw}"`);
      return fallback;
    }
    return urls.map((url) => url.replace(/\/+$/, ""));
  }
  const discovered = addressesOf(discovery, service);
  return discovered.length > 0 ? discovered : fallback;
}

/**
 * Redis: `PARLEY_REDIS_URL` when set, else the discovery file's `redis`, else undefined (no
 * Redis). A value that is not a redis:// or rediss:// URL is pushed onto `problems`.
 */
export function redisUrl(
  env: Env,
  discovery: Discovery | undefined,
  problems: string[],
): string | undefined {
  const url = env.PARLEY_REDIS_URL?.trim() || discovery?.redisUrl;
  if (url !== undefined && !hasProtocol(url, ["redis:", "rediss:"])) {
    problems.push("PARLEY_REDIS_URL: expected a redis:// or rediss:// URL");
  }
  return url;
}

function isHttpUrl(raw: string): boolean {
  return hasProtocol(raw, ["http:", "https:"]);
}

/** An absolute URL with a host, in one of `protocols` (`"redis:"`...). */
function hasProtocol(raw: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

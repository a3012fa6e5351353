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

  let discovery: Discovery | undefined;
  const file = read("PARLEY_DISCOVERY_FILE");
  if (file) {
    try {
      discovery = loadDiscovery(file);
    } catch (err) {
      problems.push(`PARLEY_DISCOVERY_FILE: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
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

function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

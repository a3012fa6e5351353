/**
 * The value syntax every Parley service uses in its environment, parsed in one place so a
 * duration or a rate limit means the same thing in every `config.ts`.
 */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/** A limit of `limit` events per `windowMs`; `null` where a limit is switched off. */
export interface RateRule {
  readonly limit: number;
  readonly windowMs: number;
}

/** Parses `900`, `900s`, `15m`, `1.5h`, `30d`, `250ms` (a bare number is seconds); undefined when malformed. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(raw.trim());
  if (!match?.[1]) return undefined;
  const unit = UNIT_MS[(match[2] ?? "s").toLowerCase()];
  if (unit === undefined) return undefined;
  const ms = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/** Parses `10/15m` into a rule, `off` into null; undefined when malformed. */
export function parseRate(raw: string): RateRule | null | undefined {
  if (raw.trim().toLowerCase() === "off") return null;
  const match = /^(\d+)\s*\/\s*(.+)$/.exec(raw.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const limit = Number(match[1]);
  const windowMs = parseDuration(match[2]);
  if (!Number.isSafeInteger(limit) || limit < 1 || windowMs === undefined) return undefined;
  return { limit, windowMs };
}

/** Formats milliseconds back into the shortest exact form (`15m`, `1d`, `250ms`) for messages. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", DAY],
    ["h", HOUR],
    ["m", MINUTE],
    ["s", SECOND],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** A service's configuration could not be used; lists every problem at once, so one fix-up pass suffices. */
export class ConfigError extends Error {
  override name = "ConfigError";

  constructor(
    scope: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${scope} configuration:\n  - ${problems.join("\n  - ")}`);
  }
}

/**
 * Runs one configuration reader of several: its {@link ConfigError}'s problems go onto
 * `problems` (and undefined is returned), so a process's `loadConfig` reports every group's
 * problems together. Any other error propagates.
 */
export function collectProblems<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}

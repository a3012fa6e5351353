import { formatDuration, parseDuration, parseRate, type RateRule } from "./env-values.js";

/** An environment as `config.ts` files receive it (`process.env` or a test's own record). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Typed reads of environment variables that collect every problem instead of stopping at the
 * first, so a `config.ts` can report all bad values at once (see `ConfigError`). Every reader
 * returns a usable value (the fallback) even when it records a problem.
 */
export interface EnvReader {
  /** Everything wrong so far, one line per variable, naming it. */
  readonly problems: string[];
  /** The trimmed value, or undefined when unset or blank. */
  read(name: string): string | undefined;
  /** A duration in ms (`500ms`, `20s`, `15m`, `24h`, `30d`; a bare number is seconds) within [min, max]. */
  duration(name: string, fallback: string, min: number, max: number): number;
  /** A whole number within [min, max]. */
  count(name: string, fallback: number, min: number, max: number): number;
  /** A rate `<count>/<duration>` such as `30/10s`, or `off` (null). */
  rate(name: string, fallback: string): RateRule | null;
  /** A switch: on/true/yes/1 or off/false/no/0. */
  flag(name: string, fallback: boolean): boolean;
}

/** Creates an {@link EnvReader} over `env`. */
export function createEnvReader(env: Env): EnvReader {
  const problems: string[] = [];
  const read = (name: string): string | undefined => env[name]?.trim() || undefined;
  return {
    problems,
    read,
    duration(name, fallback, min, max) {
      const raw = read(name) ?? fallback;
      const ms = parseDuration(raw);
      if (ms === undefined) {
        problems.push(
          `${name}: expected a duration such as 500ms, 20s, 15m, 24h or 30d, got "${raw}"`,
        );
        return parseDuration(fallback) ?? min;
      }
      if (ms < min || ms > max) {
        problems.push(
          `${name}: must be between ${formatDuration(min)} and ${formatDuration(max)}, got "${raw}"`,
        );
      }
      return ms;
    },
    count(name, fallback, min, max) {
      const raw = read(name);
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!/^\d+$/.test(raw) || value < min || value > max) {
        problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
        return fallback;
      }
      return value;
    },
    rate(name, fallback) {
      const raw = read(name) ?? fallback;
      const rule = parseRate(raw);
      if (rule === undefined) {
        problems.push(
          `${name}: expected <count>/<duration> such as 10/15m, or "off", got "${raw}"`,
        );
        return parseRate(fallback) ?? null;
      }
      return rule;
    },
    flag(name, fallback) {
      const raw = read(name)?.toLowerCase();
      if (raw === undefined) return fallback;
      if (["on", "true", "1", "yes"].includes(raw)) return true;
      if (["off", "false", "0", "no"].includes(raw)) return false;
      problems.push(`${name}: expected on or off, got "${raw}"`);
      return fallback;
    },
  };
}

import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";

/**
 * Where the mesh's services can be reached: service name → base URLs of its instances, plus the
 * Redis URL the instances share. Discovery from configuration, for now: the local mesh launcher
 * writes this file and every service it starts reads it (`PARLEY_DISCOVERY_FILE`), so one file
 * says which processes exist and how they find each other. A registry (server-mgmt) can replace
 * the file later behind the same shape.
 */
export interface Discovery {
  /** Where the description came from, for error messages. */
  readonly source: string;
  /** `redis://` URL of the Redis every instance shares (fan-out, rate limits, presence). */
  readonly redisUrl: string | undefined;
  /** Service name (`auth`, `messaging`, ...) → base URLs of its instances, in order. */
  readonly services: ReadonlyMap<string, readonly string[]>;
}

const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Reads and checks a discovery file; throws naming the offending entry when it is malformed. */
export function loadDiscovery(path: string): Discovery {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the discovery file`, { cause: err });
  }
  return parseDiscovery(parse(text), path);
}

/**
 * Checks a parsed discovery document:
 *
 * ```yaml
 * redis: redis://127.0.0.1:7400
 * services:
 *   auth: [https://127.0.0.1:7401]
 *   messaging: [https://127.0.0.1:7403, https://127.0.0.1:7404]
 * ```
 *
 * A service may also be given as a single URL. Base URLs are http(s) origins (no path).
 */
export function parseDiscovery(doc: unknown, source = "discovery"): Discovery {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new Error(`${source}: not a mapping`);
  }
  const { redis, services = {}, ...rest } = doc as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`${source}: unknown key ${unknown[0]}`);
  if (redis !== undefined && (typeof redis !== "string" || !isUrl(redis, ["redis:", "rediss:"]))) {
    throw new Error(`${source}: redis must be a redis:// or rediss:// URL`);
  }
  if (typeof services !== "object" || services === null || Array.isArray(services)) {
    throw new Error(`${source}: services must be a mapping of service name to URLs`);
  }
  const map = new Map<string, readonly string[]>();
  for (const [name, value] of Object.entries(services)) {
    if (!SERVICE_NAME.test(name)) throw new Error(`${source}: invalid service name "${name}"`);
    const urls = typeof value === "string" ? [value] : value;
    if (!Array.isArray(urls) || urls.length === 0) {
      throw new Error(`${source}: services.${name} must be a URL or a non-empty list of URLs`);
    }
    map.set(
      name,
      urls.map((url) => {
        const origin = typeof url === "string" ? baseUrlOf(url) : undefined;
        if (!origin) {
          throw new Error(
            `${source}: services.${name}: expected an http(s) base URL such as https://127.0.0.1:7401, got ${JSON.stringify(url)}`,
          );
        }
        return origin;
      }),
    );
  }
  return { source, redisUrl: redis, services: map };
}

/** The base URLs of `service`'s instances, or an empty list when the file does not name it. */
export function addressesOf(discovery: Discovery | undefined, service: string): readonly string[] {
  return discovery?.services.get(service) ?? [];
}

/** The YAML text of a discovery description, with a header comment saying who wrote it. */
export function formatDiscovery(
  discovery: Pick<Discovery, "redisUrl" | "services">,
  header?: string,
): string {
  const doc: Record<string, unknown> = {};
  if (discovery.redisUrl) doc.redis = discovery.redisUrl;
  doc.services = Object.fromEntries(discovery.services);
  const comment = header
    ? `${header
        .split("\n")
        .map((line) => `# ${line}`.trimEnd())
        .join("\n")}\n`
    : "";
  return `${comment}${stringify(doc, { flowCollectionPadding: false })}`;
}

/** `https://host:port` from a URL with no path, query or credentials; undefined otherwise. */
function baseUrlOf(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    return undefined;
  }
  return url.origin;
}

function isUrl(raw: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

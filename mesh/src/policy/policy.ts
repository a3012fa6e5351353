import { readFileSync } from "node:fs";
import { parse } from "yaml";

/**
 * Who among people may call an RPC:
 * - `public`: anyone, signed in or not;
 * - `user`: a signed-in person (valid access token);
 * - `admin`: a signed-in person with the admin role;
 * - `internal`: no person; only mesh services that the policy names.
 */
export type Access = "public" | "user" | "admin" | "internal";

const ACCESS_VALUES: readonly Access[] = ["public", "user", "admin", "internal"];

/**
 * The mesh's authorization policy, read from `mesh/policy.yaml`.
 *
 * `rpcs` gives every RPC its access class (an RPC missing from the file is refused, so a new RPC
 * cannot be exposed by accident). `services` says what each mesh identity (the `<name>` of
 * `spiffe://parley.local/svc/<name>`) may call: access classes it may forward for people (the
 * edge forwards `public`, `user` and `admin` calls) and RPCs it may call on its own account, named
 * `package.Service/Method` or `package.Service/*`. A service calling an RPC it names explicitly
 * needs no signed-in user.
 */
export interface Policy {
  readonly rpcs: ReadonlyMap<string, Access>;
  readonly services: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Reads and checks a policy file; throws with the offending entry when it is malformed. */
export function loadPolicy(path: string): Policy {
  return parsePolicy(parse(readFileSync(path, "utf8")), path);
}

/** Checks a parsed policy document. */
export function parsePolicy(doc: unknown, source = "policy"): Policy {
  if (typeof doc !== "object" || doc === null) throw new Error(`${source}: not a mapping`);
  const { rpcs = {}, services = {} } = doc as { rpcs?: unknown; services?: unknown };
  const rpcMap = new Map<string, Access>();
  for (const [service, methods] of Object.entries(asRecord(rpcs, `${source}: rpcs`))) {
    for (const [method, access] of Object.entries(
      asRecord(methods, `${source}: rpcs.${service}`),
    )) {
      if (!ACCESS_VALUES.includes(access as Access)) {
        throw new Error(`${source}: rpcs.${service}.${method}: unknown access "${String(access)}"`);
      }
      rpcMap.set(`${service}/${method}`, access as Access);
    }
  }
  const serviceMap = new Map<string, ReadonlySet<string>>();
  for (const [name, grants] of Object.entries(asRecord(services, `${source}: services`))) {
    if (!Array.isArray(grants) || grants.some((g) => typeof g !== "string")) {
      throw new Error(`${source}: services.${name} must be a list of strings`);
    }
    serviceMap.set(name, new Set(grants as string[]));
  }
  return { rpcs: rpcMap, services: serviceMap };
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

/** The access class of an RPC (`Service/*` entries apply to every method), or undefined. */
export function accessOf(policy: Policy, service: string, method: string): Access | undefined {
  return policy.rpcs.get(`${service}/${method}`) ?? policy.rpcs.get(`${service}/*`);
}

/** How a mesh identity may call an RPC: not at all, for people, or on its own account. */
export type ServiceGrant = "denied" | "forward" | "own";

/** What the policy grants the calling service for this RPC. */
export function grantFor(
  policy: Policy,
  peer: string,
  service: string,
  method: string,
  access: Access,
): ServiceGrant {
  const grants = policy.services.get(peer);
  if (!grants) return "denied";
  if (grants.has(`${service}/${method}`) || grants.has(`${service}/*`)) return "own";
  if (access !== "internal" && grants.has(access)) return "forward";
  return "denied";
}

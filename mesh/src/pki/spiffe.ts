import type { PeerService } from "../context.js";

/** The mesh's SPIFFE trust domain unless a deployment chooses another. */
export const DEFAULT_TRUST_DOMAIN = "parley.local";

/** Service names: lowercase letters, digits and dashes, so ids need no escaping anywhere. */
const SERVICE_NAME = /^[a-z0-9-]+$/;
/** SPIFFE trust domains: lowercase letters, digits, dots, dashes and underscores. */
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SERVICE_PATH = "/svc/";

/** Whether `name` can be a mesh service identity (`[a-z0-9-]+`). */
export function isValidServiceName(name: string): boolean {
  return SERVICE_NAME.test(name);
}

/** Whether `trustDomain` is a valid SPIFFE trust domain name. */
export function isValidTrustDomain(trustDomain: string): boolean {
  return TRUST_DOMAIN.test(trustDomain);
}

/**
 * The SPIFFE id of the trust domain itself, `spiffe://<trustDomain>`: carried by the mesh CA so
 * the CA certificate says which domain it vouches for.
 */
export function trustDomainId(trustDomain: string = DEFAULT_TRUST_DOMAIN): string {
  if (!isValidTrustDomain(trustDomain)) {
    throw new TypeError(`invalid SPIFFE trust domain ${JSON.stringify(trustDomain)}`);
  }
  return `spiffe://${trustDomain}`;
}

/**
 * The SPIFFE id a service's certificate carries, `spiffe://<trustDomain>/svc/<service>`: the one
 * place the id format is written down. Throws on names that could not round-trip.
 */
export function spiffeIdFor(service: string, trustDomain: string = DEFAULT_TRUST_DOMAIN): string {
  if (!isValidServiceName(service)) {
    throw new TypeError(`invalid service name ${JSON.stringify(service)}: use [a-z0-9-]+`);
  }
  return `${trustDomainId(trustDomain)}${SERVICE_PATH}${service}`;
}

/**
 * Reads a service SPIFFE id, accepting exactly `spiffe://<trustDomain>/svc/<name>` with
 * `name` in `[a-z0-9-]+`. Anything else (another trust domain, a port, user info, another
 * path, a query) is `undefined`: an identity is either exactly ours or not one at all.
 */
export function parseServiceSpiffeId(
  spiffeId: string,
  trustDomain: string = DEFAULT_TRUST_DOMAIN,
): PeerService | undefined {
  if (!isValidTrustDomain(trustDomain)) return undefined;
  const prefix = `spiffe://${trustDomain}${SERVICE_PATH}`;
  if (!spiffeId.startsWith(prefix)) return undefined;
  const name = spiffeId.slice(prefix.length);
  if (!isValidServiceName(name)) return undefined;
  return { spiffeId, name };
}

/**
 * The trust domain named by a trust domain id (`spiffe://<domain>` with no path), or
 * `undefined` for anything else.
 */
export function parseTrustDomainId(id: string): string | undefined {
  const prefix = "spiffe://";
  if (!id.startsWith(prefix)) return undefined;
  const domain = id.slice(prefix.length);
  return isValidTrustDomain(domain) ? domain : undefined;
}

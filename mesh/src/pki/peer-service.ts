import type { X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate, PeerCertificate } from "node:tls";
import type { PeerService } from "../context.js";
import { DEFAULT_TRUST_DOMAIN, parseServiceSpiffeId } from "./spiffe.js";
import { parseSubjectAltName } from "./subject-alt-name.js";

/**
 * The mesh identity in Node's `subjectaltname` text, or `undefined`.
 *
 * Follows the X.509-SVID rule that a certificate carries exactly one URI SAN: a certificate with
 * none, with two, or with one that is not `spiffe://<trustDomain>/svc/<name>` has no mesh
 * identity, so a caller can never be mistaken for a service it did not prove to be.
 */
export function peerServiceFromSubjectAltName(
  subjectAltName: string | undefined,
  trustDomain: string = DEFAULT_TRUST_DOMAIN,
): PeerService | undefined {
  if (!subjectAltName) return undefined;
  const uris = parseSubjectAltName(subjectAltName)?.filter((entry) => entry.type === "URI");
  if (uris?.length !== 1 || !uris[0]) return undefined;
  return parseServiceSpiffeId(uris[0].value, trustDomain);
}

/**
 * The calling service behind an mTLS connection, from `socket.getPeerCertificate()`.
 *
 * Why here and not in serve(): both serve() (to set `kPeerService`) and tests need the same
 * strict reading. Only meaningful on a socket whose handshake verified the certificate against
 * the mesh CA (`rejectUnauthorized: true` or `socket.authorized`); it reads names, it does not
 * check signatures. Returns `undefined` without a certificate (an empty object) or identity.
 */
export function peerServiceFromCertificate(
  cert: PeerCertificate | DetailedPeerCertificate | undefined,
  trustDomain: string = DEFAULT_TRUST_DOMAIN,
): PeerService | undefined {
  return peerServiceFromSubjectAltName(cert?.subjectaltname, trustDomain);
}

/**
 * The mesh identity of a parsed certificate (`node:crypto` `X509Certificate`), e.g. one read
 * from disk or from `tlsSocket.getPeerX509Certificate()`. Same rules as
 * {@link peerServiceFromCertificate}; does not verify the certificate.
 */
export function peerServiceFromX509Certificate(
  cert: X509Certificate,
  trustDomain: string = DEFAULT_TRUST_DOMAIN,
): PeerService | undefined {
  return peerServiceFromSubjectAltName(cert.subjectAltName, trustDomain);
}

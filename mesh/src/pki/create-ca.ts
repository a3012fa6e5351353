import type { X509Certificate } from "node:crypto";
import type { PemCredentials } from "./credentials.js";
import { generateKeyPair, privateKeyToPem, SIGNING_ALGORITHM } from "./keys.js";
import { DEFAULT_TRUST_DOMAIN, parseTrustDomainId, trustDomainId } from "./spiffe.js";
import { parseSubjectAltName } from "./subject-alt-name.js";
import { resolveValidity } from "./validity.js";
import { crypto, x509 } from "./x509.js";

/** Default lifetime of a mesh CA: long, because replacing it means reissuing every certificate. */
export const DEFAULT_CA_VALIDITY_DAYS = 3650;

/** Options for {@link createMeshCa}. */
export interface MeshCaOptions {
  /** SPIFFE trust domain the CA vouches for; recorded in the CA as `spiffe://<trustDomain>`. */
  readonly trustDomain?: string;
  /** Lifetime in days from now; default {@link DEFAULT_CA_VALIDITY_DAYS}. */
  readonly validityDays?: number;
  /** Explicit start of validity (default: now minus a few minutes of clock skew). */
  readonly notBefore?: Date;
  /** Explicit end of validity (overrides `validityDays`). */
  readonly notAfter?: Date;
}

/**
 * Creates the mesh's self-signed root CA: the one trust anchor every service and Envoy load, so
 * a certificate it signed is a mesh identity and nothing else is.
 *
 * The CA may sign only end-entity certificates (`pathLen: 0`), carries a subject key identifier
 * that leaves point back to, and names its trust domain in a URI SAN (`spiffe://parley.local`),
 * so issuing from a CA read back from disk stays in the right domain.
 */
export async function createMeshCa(options: MeshCaOptions = {}): Promise<PemCredentials> {
  const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const domainId = trustDomainId(trustDomain);
  const { notBefore, notAfter } = resolveValidity({
    ...options,
    defaultDays: DEFAULT_CA_VALIDITY_DAYS,
  });
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: [`Parley mesh CA (${trustDomain})`] }, { O: ["Parley"] }],
      keys,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        new x509.SubjectAlternativeNameExtension([{ type: "url", value: domainId }]),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString("pem"), keyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * The trust domain a mesh CA vouches for, read back from its `spiffe://<trustDomain>` URI SAN:
 * how a CA loaded from disk keeps issuing in its own domain. `undefined` when the certificate
 * names no single trust domain (e.g. a CA made by another tool).
 */
export function meshCaTrustDomain(caCert: X509Certificate): string | undefined {
  const domains = (parseSubjectAltName(caCert.subjectAltName ?? "") ?? [])
    .filter((entry) => entry.type === "URI")
    .map((entry) => parseTrustDomainId(entry.value))
    .filter((domain): domain is string => domain !== undefined);
  return domains.length === 1 ? domains[0] : undefined;
}

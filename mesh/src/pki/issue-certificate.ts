import { createPrivateKey, X509Certificate as NodeX509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { meshCaTrustDomain } from "./create-ca.js";
import type { PemCredentials } from "./credentials.js";
import { generateKeyPair, importSigningKey, privateKeyToPem } from "./keys.js";
import { spiffeIdFor } from "./spiffe.js";
import { resolveValidity } from "./validity.js";
import { crypto, x509 } from "./x509.js";

/** Default lifetime of a service certificate. */
export const DEFAULT_SERVICE_VALIDITY_DAYS = 365;

/** Loopback addresses, so a service reached at 127.0.0.1 or [::1] presents a matching name. */
export const DEFAULT_IP_ADDRESSES: readonly string[] = ["127.0.0.1", "::1"];

/** Options for {@link issueServiceCertificate}. */
export interface ServiceCertificateOptions {
  /** Service identity (`[a-z0-9-]+`), e.g. `messaging`; becomes `spiffe://<td>/svc/<service>`. */
  readonly service: string;
  /** Lifetime in days; default {@link DEFAULT_SERVICE_VALIDITY_DAYS}, cut to the CA's own end. */
  readonly validityDays?: number;
  /** Trust domain; default the one the CA names (`spiffe://<td>` SAN), else `parley.local`. */
  readonly trustDomain?: string;
  /** DNS names the certificate serves; default `["localhost", service]`. */
  readonly dnsNames?: readonly string[];
  /** IP addresses the certificate serves; default {@link DEFAULT_IP_ADDRESSES}. */
  readonly ipAddresses?: readonly string[];
  /** Explicit start of validity (tests use this for not-yet-valid or expired certificates). */
  readonly notBefore?: Date;
  /** Explicit end of validity; honoured as given, even past the CA's end or in the past. */
  readonly notAfter?: Date;
}

/**
 * Issues a service's mesh certificate, signed by the mesh CA, with a fresh P-256 key.
 *
 * One certificate serves both directions (extended key usage serverAuth + clientAuth): the
 * service presents it when serving and when calling other services. Its identity is the single
 * URI SAN `spiffe://<trustDomain>/svc/<service>`, which is what peers authorize on; the DNS and
 * IP names are only there so clients can verify the server's host name as usual.
 */
export async function issueServiceCertificate(
  ca: PemCredentials,
  options: ServiceCertificateOptions,
): Promise<PemCredentials> {
  const { service } = options;
  const caCert = new x509.X509Certificate(ca.certPem);
  const caInfo = inspectCa(ca);
  if (options.trustDomain && caInfo.trustDomain && options.trustDomain !== caInfo.trustDomain) {
    throw new Error(
      `the CA vouches for trust domain ${caInfo.trustDomain}, not ${options.trustDomain}`,
    );
  }
  const trustDomain = options.trustDomain ?? caInfo.trustDomain;
  const spiffeId = spiffeIdFor(service, trustDomain);
  const dnsNames = options.dnsNames ?? ["localhost", service];
  const ipAddresses = options.ipAddresses ?? DEFAULT_IP_ADDRESSES;
  for (const name of dnsNames) {
    if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(name)) {
      throw new TypeError(`invalid DNS name ${JSON.stringify(name)}`);
    }
  }
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) throw new TypeError(`invalid IP address ${JSON.stringify(ip)}`);
  }

  const explicitEnd = options.notAfter !== undefined;
  const validity = resolveValidity({ ...options, defaultDays: DEFAULT_SERVICE_VALIDITY_DAYS });
  let { notAfter } = validity;
  if (!explicitEnd && notAfter > caCert.notAfter) {
    // A certificate should not outlive its issuer: peers would reject it then anyway.
    notAfter = caCert.notAfter;
    if (notAfter <= validity.notBefore) {
      throw new Error(
        `the mesh CA expired on ${caCert.notAfter.toISOString()}: create a new CA (certs --force)`,
      );
    }
  }

  const signing = await importSigningKey(ca.keyPem);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: [{ CN: [service] }, { O: ["Parley"] }],
      issuer: caCert.subjectName,
      publicKey: keys.publicKey,
      signingKey: signing.key,
      signingAlgorithm: signing.algorithm,
      notBefore: validity.notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        new x509.SubjectAlternativeNameExtension([
          { type: "url", value: spiffeId },
          ...dnsNames.map((value) => ({ type: "dns" as const, value })),
          ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await authorityKeyIdentifier(caCert),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString("pem"), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** What {@link inspectCa} learns about a CA. */
interface CaInfo {
  /** The trust domain from the CA's `spiffe://<td>` URI SAN, if it has one. */
  readonly trustDomain: string | undefined;
}

/**
 * Checks that `ca` is a CA certificate with its own private key, before anything is signed with
 * it: a mismatched pair would otherwise produce certificates nobody can verify.
 */
function inspectCa(ca: PemCredentials): CaInfo {
  const cert = new NodeX509Certificate(ca.certPem);
  if (!cert.ca) throw new Error(`not a CA certificate: ${cert.subject}`);
  if (!cert.checkPrivateKey(createPrivateKey(ca.keyPem))) {
    throw new Error("the CA private key does not match the CA certificate");
  }
  return { trustDomain: meshCaTrustDomain(cert) };
}

/** Points at the CA's own subject key identifier, so chains are built by key, not just name. */
async function authorityKeyIdentifier(
  caCert: x509.X509Certificate,
): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski
    ? new x509.AuthorityKeyIdentifierExtension(ski.keyId, false)
    : x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto);
}

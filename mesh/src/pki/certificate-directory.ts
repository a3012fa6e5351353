import { createPrivateKey, X509Certificate as NodeX509Certificate, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createMeshCa, meshCaTrustDomain } from "./create-ca.js";
import type { PemCredentials } from "./credentials.js";
import { MESH_IDENTITIES } from "./identities.js";
import { issueServiceCertificate } from "./issue-certificate.js";
import { peerServiceFromX509Certificate } from "./peer-service.js";
import { DEFAULT_TRUST_DOMAIN, isValidServiceName, spiffeIdFor } from "./spiffe.js";

/** File name of the CA certificate: the trust bundle every service and Envoy load. */
export const CA_CERT_FILE = "ca.pem";
/** File name of the CA private key: needed only to issue, never by a running service. */
export const CA_KEY_FILE = "ca.key";

/** Where a certificate and its key live in a mesh certificate directory. */
export interface CertificatePaths {
  readonly certPath: string;
  readonly keyPath: string;
}

/** Paths of the CA files in `dir`. */
export function caPaths(dir: string): CertificatePaths {
  return { certPath: join(dir, CA_CERT_FILE), keyPath: join(dir, CA_KEY_FILE) };
}

/** Paths of a service's files in `dir`: `<service>.pem` and `<service>.key`. */
export function serviceCertificatePaths(dir: string, service: string): CertificatePaths {
  if (!isValidServiceName(service)) {
    throw new TypeError(`invalid service name ${JSON.stringify(service)}: use [a-z0-9-]+`);
  }
  return { certPath: join(dir, `${service}.pem`), keyPath: join(dir, `${service}.key`) };
}

/** What a service needs for mTLS: its own certificate and key, and the mesh CA to trust. */
export interface MeshCredentials extends PemCredentials {
  /** The mesh CA certificate (PEM), for `ca:` in node:tls and root certs in gRPC. */
  readonly caPem: string;
}

/**
 * Reads one service's mTLS material from a certificate directory written by
 * {@link writeMeshCertificates}: what serve() and connectTo() load in mesh mode.
 */
export async function readMeshCredentials(dir: string, service: string): Promise<MeshCredentials> {
  const paths = serviceCertificatePaths(dir, service);
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(caPaths(dir).certPath, "utf8"),
    readFile(paths.certPath, "utf8"),
    readFile(paths.keyPath, "utf8"),
  ]);
  return { caPem, certPem, keyPem };
}

/** Options for {@link writeMeshCertificates}. */
export interface WriteMeshCertificatesOptions {
  /** Replace the CA and reissue every listed service even if current files are fine. */
  readonly force?: boolean;
  /** Trust domain for a new CA; must match an existing CA's. Default `parley.local`. */
  readonly trustDomain?: string;
  /** Lifetime of newly issued service certificates, in days (default 365). */
  readonly validityDays?: number;
  /** Lifetime of a newly created CA, in days (default 3650). */
  readonly caValidityDays?: number;
  /** Clock used for expiry decisions (tests). */
  readonly now?: Date;
}

/** One service's outcome in {@link WriteMeshCertificatesResult}. */
export interface WrittenServiceCertificate extends CertificatePaths {
  readonly service: string;
  readonly spiffeId: string;
  /** `issued` (written now) or `kept` (existing files were valid and current). */
  readonly action: "issued" | "kept";
  /** Why a certificate was (re)issued, e.g. `missing`, `signed by another CA`, `force`. */
  readonly reason?: string;
  readonly notAfter: Date;
}

/** The outcome of {@link writeMeshCertificates}, for the certs script to report. */
export interface WriteMeshCertificatesResult {
  readonly dir: string;
  readonly trustDomain: string;
  readonly ca: CertificatePaths & {
    /** `created` (new CA written) or `reused` (the CA already in the directory). */
    readonly action: "created" | "reused";
    readonly notAfter: Date;
  };
  readonly services: readonly WrittenServiceCertificate[];
}

/**
 * Makes `dir` hold the mesh CA (`ca.pem`, `ca.key`) and a current certificate for each service
 * (`<service>.pem`, `<service>.key`). Private keys are written with mode 0600.
 *
 * Idempotent on purpose: an existing CA is reused, so running it again (for instance after a
 * new service joins) adds what is missing without invalidating certificates services already
 * load. A service certificate is reissued only when it is missing, unreadable, not signed by
 * this CA, not matching its key or identity, or past two thirds of its lifetime. `force`
 * replaces the CA and reissues everything listed: rotation.
 */
export async function writeMeshCertificates(
  dir: string,
  services: readonly string[] = MESH_IDENTITIES,
  options: WriteMeshCertificatesOptions = {},
): Promise<WriteMeshCertificatesResult> {
  // Reject a bad name before touching the directory, not halfway through it.
  for (const service of services) serviceCertificatePaths(dir, service);
  const now = options.now ?? new Date();
  await mkdir(dir, { recursive: true });

  const ca = await loadOrCreateCa(dir, options, now);
  const caCert = new NodeX509Certificate(ca.credentials.certPem);
  const written: WrittenServiceCertificate[] = [];
  for (const service of new Set(services)) {
    const paths = serviceCertificatePaths(dir, service);
    const spiffeId = spiffeIdFor(service, ca.trustDomain);
    const problem = options.force
      ? "force"
      : await currentCertificateProblem(paths, caCert, service, ca.trustDomain, now);
    if (problem === undefined) {
      const cert = new NodeX509Certificate(await readFile(paths.certPath, "utf8"));
      written.push({
        ...paths,
        service,
        spiffeId,
        action: "kept",
        notAfter: new Date(cert.validTo),
      });
      continue;
    }
    const issued = await issueServiceCertificate(ca.credentials, {
      service,
      trustDomain: ca.trustDomain,
      ...(options.validityDays !== undefined && { validityDays: options.validityDays }),
    });
    await writePair(paths, issued);
    const notAfter = new Date(new NodeX509Certificate(issued.certPem).validTo);
    written.push({ ...paths, service, spiffeId, action: "issued", reason: problem, notAfter });
  }
  return {
    dir,
    trustDomain: ca.trustDomain,
    ca: { ...caPaths(dir), action: ca.action, notAfter: new Date(caCert.validTo) },
    services: written,
  };
}

interface LoadedCa {
  readonly credentials: PemCredentials;
  readonly trustDomain: string;
  readonly action: "created" | "reused";
}

/** The directory's CA if there is a usable one, else a new one; refuses to guess otherwise. */
async function loadOrCreateCa(
  dir: string,
  options: WriteMeshCertificatesOptions,
  now: Date,
): Promise<LoadedCa> {
  const paths = caPaths(dir);
  const wanted = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  if (!options.force) {
    const [certPem, keyPem] = await Promise.all([
      readIfExists(paths.certPath),
      readIfExists(paths.keyPath),
    ]);
    if (certPem !== undefined || keyPem !== undefined) {
      if (certPem === undefined || keyPem === undefined) {
        throw new Error(
          `${dir} has only one of ${CA_CERT_FILE} and ${CA_KEY_FILE}; restore it or rerun with force to replace the CA`,
        );
      }
      const cert = new NodeX509Certificate(certPem);
      if (!cert.ca || !cert.checkPrivateKey(createPrivateKey(keyPem))) {
        throw new Error(
          `${paths.certPath} and ${paths.keyPath} are not a matching CA pair; rerun with force`,
        );
      }
      if (new Date(cert.validTo) <= now) {
        throw new Error(`the mesh CA in ${dir} expired on ${cert.validTo}; rerun with force`);
      }
      const trustDomain = meshCaTrustDomain(cert) ?? DEFAULT_TRUST_DOMAIN;
      if (options.trustDomain !== undefined && trustDomain !== wanted) {
        throw new Error(
          `the mesh CA in ${dir} is for ${trustDomain}, not ${wanted}; rerun with force`,
        );
      }
      return { credentials: { certPem, keyPem }, trustDomain, action: "reused" };
    }
  }
  const credentials = await createMeshCa({
    trustDomain: wanted,
    ...(options.caValidityDays !== undefined && { validityDays: options.caValidityDays }),
  });
  await writePair(paths, credentials);
  return { credentials, trustDomain: wanted, action: "created" };
}

/** Why the service's files on disk cannot be kept, or `undefined` when they can. */
async function currentCertificateProblem(
  paths: CertificatePaths,
  caCert: NodeX509Certificate,
  service: string,
  trustDomain: string,
  now: Date,
): Promise<string | undefined> {
  const [certPem, keyPem] = await Promise.all([
    readIfExists(paths.certPath),
    readIfExists(paths.keyPath),
  ]);
  if (certPem === undefined || keyPem === undefined) return "missing";
  let cert: NodeX509Certificate;
  try {
    cert = new NodeX509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return "key does not match certificate";
  } catch {
    return "unreadable";
  }
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return "signed by another CA";
  if (peerServiceFromX509Certificate(cert, trustDomain)?.name !== service) return "wrong identity";
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  if (now.getTime() >= to) return "expired";
  if (now.getTime() >= from + ((to - from) * 2) / 3) return "due for renewal";
  return undefined;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Writes the key (0600) and certificate (0644), each atomically via a temporary file. */
async function writePair(paths: CertificatePaths, credentials: PemCredentials): Promise<void> {
  await writeAtomically(paths.keyPath, credentials.keyPem, 0o600);
  await writeAtomically(paths.certPath, credentials.certPem, 0o644);
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, text, { mode, flag: "wx" });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The mesh PKI: a mesh CA, one certificate per service identity with a SPIFFE URI SAN
 * (`spiffe://parley.local/svc/<name>`), and the strict reading of that identity from a peer's
 * certificate. Used by `npm run certs`, by serve()/connectTo() in mesh mode, and by tests.
 */
export {
  CA_CERT_FILE,
  CA_KEY_FILE,
  type CertificatePaths,
  caPaths,
  type MeshCredentials,
  readMeshCredentials,
  serviceCertificatePaths,
  type WriteMeshCertificatesOptions,
  type WriteMeshCertificatesResult,
  type WrittenServiceCertificate,
  writeMeshCertificates,
} from "./certificate-directory.js";
export {
  createMeshCa,
  DEFAULT_CA_VALIDITY_DAYS,
  type MeshCaOptions,
  meshCaTrustDomain,
} from "./create-ca.js";
export type { PemCredentials } from "./credentials.js";
export { MESH_IDENTITIES, type MeshIdentity } from "./identities.js";
export {
  DEFAULT_IP_ADDRESSES,
  DEFAULT_SERVICE_VALIDITY_DAYS,
  issueServiceCertificate,
  type ServiceCertificateOptions,
} from "./issue-certificate.js";
export {
  peerServiceFromCertificate,
  peerServiceFromSubjectAltName,
  peerServiceFromX509Certificate,
} from "./peer-service.js";
export {
  DEFAULT_TRUST_DOMAIN,
  isValidServiceName,
  isValidTrustDomain,
  parseServiceSpiffeId,
  parseTrustDomainId,
  spiffeIdFor,
  trustDomainId,
} from "./spiffe.js";
export { parseSubjectAltName, type SubjectAltNameEntry } from "./subject-alt-name.js";

/**
 * Every identity in the mesh, in one place, so the certificate script, the policy file checks
 * and Envoy's config all agree on the same names. Each becomes
 * `spiffe://<trust domain>/svc/<name>`. `edge` is the Envoy front proxy's client identity
 * (it calls services over mTLS but serves no RPCs of its own).
 */
export const MESH_IDENTITIES = [
  "auth",
  "messaging",
  "voice",
  "files",
  "notifications",
  "server-mgmt",
  "edge",
] as const;

/** One of {@link MESH_IDENTITIES}. */
export type MeshIdentity = (typeof MESH_IDENTITIES)[number];

import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createMeshCa,
  issueServiceCertificate,
  MESH_IDENTITIES,
  type MeshTls,
  readMeshCredentials,
  writeMeshCertificates,
} from "@parley/mesh";

export interface TestPki {
  /** Directory laid out like `npm run certs` output. */
  readonly dir: string;
  /** A mesh identity's certificate, key and the mesh CA. */
  credentials(service: string): Promise<MeshTls>;
  /** A certificate for `service` signed by some other CA (trusting the real mesh CA). */
  foreign(service: string): Promise<MeshTls>;
  /** A certificate for `service` from the mesh CA that expired yesterday. */
  expired(service: string): Promise<MeshTls>;
}

/**
 * A fresh mesh CA in a temporary directory with every mesh identity plus `stranger` (a valid
 * mesh certificate the policy knows nothing about), exactly as `npm run certs` writes them.
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "parley-pki-"));
  await writeMeshCertificates(dir, [...MESH_IDENTITIES, "stranger"]);
  const ca = await readMeshCredentials(dir, "auth");
  const meshCa = { certPem: ca.caPem, keyPem: await readCaKey(dir) };
  return {
    dir,
    credentials: (service) => readMeshCredentials(dir, service),
    async foreign(service) {
      const other = await createMeshCa();
      const leaf = await issueServiceCertificate(other, { service });
      return { ...leaf, caPem: ca.caPem };
    },
    async expired(service) {
      const day = 24 * 60 * 60 * 1000;
      const leaf = await issueServiceCertificate(meshCa, {
        service,
        notBefore: new Date(Date.now() - 10 * day),
        notAfter: new Date(Date.now() - day),
      });
      return { ...leaf, caPem: ca.caPem };
    },
  };
}

async function readCaKey(dir: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(join(dir, "ca.key"), "utf8");
}

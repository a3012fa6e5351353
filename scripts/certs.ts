/**
 * `npm run certs`: writes the mesh's development CA and one mTLS certificate per service identity
 * into mesh/certs/ (git-ignored). Rerunning keeps the CA and current certificates and adds what
 * is missing; `--force` replaces the CA and reissues everything (rotation).
 *
 *   npm run certs -- [--force] [--out <dir>] [--days <n>] [--trust-domain <td>] [service...]
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type CertificatePaths,
  MESH_IDENTITIES,
  writeMeshCertificates,
} from "../mesh/src/pki/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const usage = `usage: npm run certs -- [options] [service...]

Writes ca.pem/ca.key and <service>.pem/<service>.key for each service (default: every mesh
identity: ${MESH_IDENTITIES.join(", ")}).

  --out <dir>            output directory (default: mesh/certs)
  --days <n>             lifetime of newly issued service certificates (default: 365)
  --force                new CA and reissue every certificate (rotation)
  --trust-domain <name>  SPIFFE trust domain of a new CA (default: parley.local)
  -h, --help             show this help`;

function fail(message: string): never {
  console.error(`certs: ${message}\n\n${usage}`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        out: { type: "string" },
        days: { type: "string" },
        force: { type: "boolean", default: false },
        "trust-domain": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
}

const { values, positionals } = parseCommandLine();
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const days = values.days === undefined ? undefined : Number(values.days);
if (days !== undefined && !(Number.isInteger(days) && days > 0)) {
  fail(`--days must be a positive whole number, got ${JSON.stringify(values.days)}`);
}
const out = values.out === undefined ? join(root, "mesh", "certs") : resolve(values.out);
const services = positionals.length > 0 ? positionals : MESH_IDENTITIES;

try {
  const result = await writeMeshCertificates(out, services, {
    force: values.force,
    ...(days !== undefined && { validityDays: days }),
    ...(values["trust-domain"] !== undefined && { trustDomain: values["trust-domain"] }),
  });
  const files = (paths: CertificatePaths) =>
    `${basename(paths.certPath)} ${basename(paths.keyPath)}`.padEnd(38);
  const day = (date: Date) => date.toISOString().slice(0, 10);
  console.log(
    `${relative(process.cwd(), result.dir) || "."}/ (trust domain ${result.trustDomain})`,
  );
  const { ca } = result;
  console.log(
    `  ${ca.action.padEnd(7)} ${files(ca)} spiffe://${result.trustDomain}  until ${day(ca.notAfter)}`,
  );
  for (const svc of result.services) {
    const why = svc.reason && svc.reason !== "missing" ? `  (${svc.reason})` : "";
    console.log(
      `  ${svc.action.padEnd(7)} ${files(svc)} ${svc.spiffeId}  until ${day(svc.notAfter)}${why}`,
    );
  }
  if (values.force && positionals.length > 0) {
    console.log(
      "\nnote: the CA was replaced, so other services' certificates in this directory no longer\n" +
        "verify. Run again without --force and without service names to reissue them.",
    );
  }
} catch (error) {
  console.error(`certs: ${(error as Error).message}`);
  process.exitCode = 1;
}

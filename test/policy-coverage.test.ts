import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { Health } from "@parley/gen/grpc/health/v1/health_pb.js";
import { accessOf, DEFAULT_POLICY_FILE, loadPolicy, MESH_IDENTITIES } from "@parley/mesh";
import test from "ava";

const genRoot = join(import.meta.dirname, "..", "gen", "ts", "parley");

/** Every service in every generated contract, found on disk so a new one cannot be missed. */
async function contractServices(): Promise<DescService[]> {
  const services: DescService[] = [Health];
  for (const pkg of readdirSync(genRoot)) {
    const dir = join(genRoot, pkg, "v1");
    for (const file of readdirSync(dir).filter((f) => f.endsWith("_pb.ts"))) {
      const mod = (await import(join(dir, file))) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if ((value as DescService | undefined)?.kind === "service")
          services.push(value as DescService);
      }
    }
  }
  return services;
}

const policy = loadPolicy(DEFAULT_POLICY_FILE);
const services = await contractServices();

test("the contracts define all six Parley services", (t) => {
  const names = services.map((s) => s.typeName).sort();
  t.deepEqual(names, [
    "grpc.health.v1.Health",
    "parley.auth.v1.AuthService",
    "parley.files.v1.FileService",
    "parley.messaging.v1.MessagingService",
    "parley.notifications.v1.NotificationService",
    "parley.servermgmt.v1.ServerManagementService",
    "parley.voice.v1.VoiceService",
  ]);
});

test("every RPC in the contracts has an access class in mesh/policy.yaml", (t) => {
  const missing = services.flatMap((s) =>
    s.methods
      .filter((m) => !accessOf(policy, s.typeName, m.name))
      .map((m) => `${s.typeName}/${m.name}`),
  );
  t.deepEqual(missing, []);
});

test("the policy names no RPC or service that does not exist", (t) => {
  const known = new Set(
    services.flatMap((s) => [
      `${s.typeName}/*`,
      ...s.methods.map((m) => `${s.typeName}/${m.name}`),
    ]),
  );
  const classes = new Set(["public", "user", "admin"]);
  const stale = [...policy.rpcs.keys()].filter((rpc) => !known.has(rpc));
  for (const [identity, grants] of policy.services) {
    for (const grant of grants)
      if (!classes.has(grant) && !known.has(grant)) stale.push(`${identity}: ${grant}`);
  }
  t.deepEqual(stale, []);
});

test("every identity in the policy has a certificate from npm run certs, and back", (t) => {
  t.deepEqual([...policy.services.keys()].sort(), [...MESH_IDENTITIES].sort());
});

test("the edge forwards people's calls only: it is granted no internal RPC", (t) => {
  t.deepEqual([...(policy.services.get("edge") ?? [])].sort(), ["admin", "public", "user"]);
});

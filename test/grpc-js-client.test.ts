/**
 * A stock `@grpc/grpc-js` client, the kind a service in another stack brings, calls auth over
 * gRPC with mTLS. Its service definitions come from the descriptors embedded in the generated
 * TypeScript, so this checks that the contract on the wire is the one in `proto/`, with nothing
 * Connect-specific needed on the client.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { AnySchema, anyUnpack } from "@bufbuild/protobuf/wkt";
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import * as grpc from "@grpc/grpc-js";
import { file_grpc_health_v1_health } from "@parley/gen/grpc/health/v1/health_pb.js";
import { file_parley_auth_v1_auth_service } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import type { MeshTls } from "@parley/mesh";
import test from "ava";
import { cheapHasher } from "./support/auth-e2e.js";
import { startAuthServer } from "./support/auth-server.js";
import { grpcFailure, loadGrpcJs, serviceClient, unary } from "./support/grpc-js.js";
import { createTestPki } from "./support/pki.js";

const pki = await createTestPki();
const server = await startAuthServer({
  tls: await pki.credentials("auth"),
  passwordHasher: cheapHasher(),
});
test.after.always(() => server.close());

const packages = loadGrpcJs(file_parley_auth_v1_auth_service, file_grpc_health_v1_health);
const AuthService = serviceClient(packages, "parley.auth.v1.AuthService");
const Health = serviceClient(packages, "grpc.health.v1.Health");
// The server certificate names localhost (DNS SAN); the client verifies it against the mesh CA.
const target = `localhost:${server.served.port}`;

const clients: grpc.Client[] = [];
test.after.always(() => {
  for (const client of clients) client.close();
});

function credentialsOf(tls: MeshTls): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(
    Buffer.from(tls.caPem),
    Buffer.from(tls.keyPem),
    Buffer.from(tls.certPem),
  );
}

async function connect(Service: grpc.ServiceClientConstructor, identity: string) {
  const client = new Service(target, credentialsOf(await pki.credentials(identity)));
  clients.push(client);
  return client;
}

function withBearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

interface Session {
  access_token: string;
  refresh_token: string;
  user: { id: string; username: string; role: string };
}

test("register, login and GetMe with a bearer token in the metadata", async (t) => {
  const auth = await connect(AuthService, "edge");
  const registered = await unary<{ session: Session }>(auth, "Register", {
    username: "grpcjs_user",
    email: "grpcjs@example.com",
    password: "a long enough password",
  });
  t.is(registered.session.user.username, "grpcjs_user");
  t.truthy(registered.session.refresh_token);

  const { session } = await unary<{ session: Session }>(auth, "Login", {
    login: "grpcjs@example.com",
    password: "a long enough password",
  });
  t.is(session.user.id, registered.session.user.id);
  t.is(session.access_token.split(".").length, 3, "a compact JWT");

  const me = await unary<{ user: Session["user"] }>(
    auth,
    "GetMe",
    {},
    withBearer(session.access_token),
  );
  t.is(me.user.id, session.user.id);
  t.is(me.user.username, "grpcjs_user");
  // The only account on this server, so the first: admin. Enums arrive as the contract's names.
  t.is(me.user.role, "ROLE_ADMIN");

  const anonymous = await grpcFailure(unary(auth, "GetMe", {}));
  t.is(anonymous.code, grpc.status.UNAUTHENTICATED);
});

test("bad input gets INVALID_ARGUMENT with buf.validate.Violations in the status details", async (t) => {
  const auth = await connect(AuthService, "edge");
  const err = await grpcFailure(
    unary(auth, "Register", { username: "ok_name", email: "nope", password: "short" }),
  );
  t.is(err.code, grpc.status.INVALID_ARGUMENT);
  t.regex(err.details, /email/);

  // grpc-status-details-bin is a google.rpc.Status; its details are Any messages.
  const raw = err.metadata.get("grpc-status-details-bin")[0];
  t.true(Buffer.isBuffer(raw), "the error carries rich details");
  const fields = anyDetails(raw as Buffer)
    .map((any) => anyUnpack(any, ViolationsSchema))
    .flatMap((violations) => violations?.violations ?? [])
    .map((v) => v.field?.elements.map((e) => e.fieldName).join("."));
  t.deepEqual([...new Set(fields)].sort(), ["email", "password"]);
});

test("a mesh identity outside the policy gets PERMISSION_DENIED", async (t) => {
  const auth = await connect(AuthService, "stranger");
  const err = await grpcFailure(unary(auth, "GetJwks", {}));
  t.is(err.code, grpc.status.PERMISSION_DENIED);
  // The same call from the edge identity succeeds, so the refusal is the policy's.
  const edge = await connect(AuthService, "edge");
  const jwks = await unary<{ keys: { alg: string }[] }>(edge, "GetJwks", {});
  t.is(jwks.keys[0]?.alg, "EdDSA");
});

test("the standard gRPC health check answers SERVING", async (t) => {
  const health = await connect(Health, "edge");
  const whole = await unary<{ status: string }>(health, "Check", { service: "" });
  t.is(whole.status, "SERVING");
  const auth = await unary<{ status: string }>(health, "Check", {
    service: "parley.auth.v1.AuthService",
  });
  t.is(auth.status, "SERVING");
  const unknown = await grpcFailure(unary(health, "Check", { service: "no.such.Service" }));
  t.is(unknown.code, grpc.status.NOT_FOUND);
});

/** The `details` (field 3, repeated google.protobuf.Any) of a serialized google.rpc.Status. */
function anyDetails(status: Uint8Array) {
  const reader = new BinaryReader(status);
  const details = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 3 && wireType === WireType.LengthDelimited) {
      details.push(fromBinary(AnySchema, reader.bytes()));
    } else {
      reader.skip(wireType);
    }
  }
  return details;
}

import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { connectTo, type MeshTls } from "@parley/mesh";
import test from "ava";
import { captureLogger, startAuthServer } from "./support/auth-server.js";
import { createTestPki } from "./support/pki.js";

const pki = await createTestPki();
const log = captureLogger("auth");
const server = await startAuthServer({ tls: await pki.credentials("auth"), logger: log.logger });
test.after.always(() => server.close());

function authClient(tls: MeshTls | undefined) {
  return createClient(
    AuthService,
    connectTo({ baseUrl: server.url, tls, retry: { maxAttempts: 1 }, defaultTimeoutMs: 5_000 }),
  );
}

async function codeOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  throw new Error("the call succeeded");
}

test("the edge identity may call public RPCs", async (t) => {
  const res = await authClient(await pki.credentials("edge")).getJwks({});
  t.true(res.keys.length >= 1);
  t.is(res.keys[0]?.alg, "EdDSA");
});

test("a service may call the internal RPC the policy grants it, and no other", async (t) => {
  const messaging = authClient(await pki.credentials("messaging"));
  const res = await messaging.introspectToken({ token: "not-a-token" });
  t.false(res.active);
  t.is(await codeOf(messaging.listUsers({})), Code.PermissionDenied);
});

test("the edge may not call internal RPCs", async (t) => {
  const edge = authClient(await pki.credentials("edge"));
  const err = await t.throwsAsync(edge.introspectToken({ token: "x" }));
  t.is(ConnectError.from(err).code, Code.PermissionDenied);
  t.regex(ConnectError.from(err).rawMessage, /edge.*may not call.*IntrospectToken/);
});

test("a valid mesh certificate outside the policy gets permission_denied", async (t) => {
  const stranger = authClient(await pki.credentials("stranger"));
  t.is(await codeOf(stranger.getJwks({})), Code.PermissionDenied);
});

/** Calls GetJwks and returns the reason the server logged for refusing the handshake. */
async function refusal(transport: Transport): Promise<unknown> {
  const before = log.lines().length;
  const code = await codeOf(createClient(AuthService, transport).getJwks({}));
  // A refused handshake never reaches the RPC layer: no policy decision, no handler.
  if (code === Code.PermissionDenied || code === Code.InvalidArgument) return `code ${Code[code]}`;
  for (let i = 0; i < 50; i++) {
    const refused = log
      .lines()
      .slice(before)
      .find((l) => l.msg === "TLS handshake refused");
    if (refused) return refused.reason;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

const once = { retry: { maxAttempts: 1 } };

test.serial("no client certificate: the handshake is refused", async (t) => {
  const { caPem } = await pki.credentials("edge");
  const reason = await refusal(
    createGrpcTransport({ baseUrl: server.url, nodeOptions: { ca: caPem } }),
  );
  t.is(reason, "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE");
});

test.serial("a certificate from another CA is refused", async (t) => {
  const reason = await refusal(
    connectTo({ baseUrl: server.url, tls: await pki.foreign("edge"), ...once }),
  );
  t.regex(String(reason), /UNABLE_TO_VERIFY|unknown ca|CERTIFICATE_VERIFY_FAILED/i);
});

test.serial("an expired mesh certificate is refused", async (t) => {
  const reason = await refusal(
    connectTo({ baseUrl: server.url, tls: await pki.expired("edge"), ...once }),
  );
  t.regex(String(reason), /EXPIRED/i);
});

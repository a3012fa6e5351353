/**
 * The polyglot proof: Python programs using Debian's python3-grpcio and the stubs buf generates
 * into gen/python, speaking plain gRPC with mTLS to the local mesh started as real processes.
 * They present the `edge` certificate: the identity the policy lets forward people's public and
 * signed-in calls (and nothing internal), which is what a client outside the mesh must use.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { startTestMesh } from "./support/local-mesh.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
// Debian's interpreter: python3-grpcio and python3-protobuf are installed for it (.ci/run).
const PYTHON = "/usr/bin/python3";

const local = await startTestMesh();
const { mesh } = local;
test.after.always(() => local.close());

/** `127.0.0.1:<port>` of an instance, as a gRPC target. */
const target = (url: string | undefined) => new URL(url ?? "https://missing").host;
const certs = (name: string) => join(mesh.certsDir, name);

async function python(script: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(PYTHON, [join(root, "test", "python", script), ...args], {
    env: { ...process.env, PYTHONPATH: join(root, "gen", "python") },
    timeout: 90_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

test("a Python program registers, signs in and reads its account over gRPC with mTLS", async (t) => {
  const seen = await python("auth_client.py", [
    target(mesh.urls("auth")[0]),
    certs("ca.pem"),
    certs("edge.pem"),
    certs("edge.key"),
    "pythonista",
  ]);
  t.regex(String(seen.registered_user_id), /^[0-9a-f-]{36}$/);
  t.is(seen.me_user_id, seen.registered_user_id);
  t.is(seen.me_username, "pythonista");
  t.is(seen.invalid_request_status, "INVALID_ARGUMENT");
});

test("a Python program chats through the mesh: channel on one instance, its live stream on the other", async (t) => {
  const seen = await python("chat_client.py", [
    target(mesh.urls("auth")[0]),
    target(mesh.instance("messaging-1").url),
    target(mesh.instance("messaging-2").url),
    certs("ca.pem"),
    certs("edge.pem"),
    certs("edge.key"),
    "snake",
  ]);
  t.regex(String(seen.channel_id), /^[0-9a-f-]{36}$/);
  t.is(seen.first_event, "subscribed");
  t.deepEqual(seen.subscribed_channels, [seen.channel_id]);
  // Sent through messaging-2, received live on messaging-1's stream (through Redis).
  t.regex(String(seen.sent_message_id), /^[0-9a-f-]{36}$/);
  t.is(seen.received_message_id, seen.sent_message_id);
  t.is(seen.received_text, "hello from Python");
  t.is(seen.received_author, seen.user_id);
  t.true(Number(seen.received_offset) > 0);
  t.is(seen.resent_message_id, seen.sent_message_id, "the same idempotency key, the same message");
  t.is(seen.without_token, "UNAUTHENTICATED");

  // The TypeScript side sees what Python wrote.
  const login = await local.auth.login({
    login: "snake",
    password: "correct horse battery staple",
  });
  const messages = await local
    .messaging("messaging-1")
    .listMessages(
      { channelId: String(seen.channel_id) },
      { headers: { authorization: `Bearer ${login.session?.accessToken}` } },
    );
  t.deepEqual(
    messages.messages.map((m) => m.text),
    ["hello from Python"],
  );
});

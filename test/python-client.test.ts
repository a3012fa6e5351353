import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { startAuthServer } from "./support/auth-server.js";
import { createTestPki } from "./support/pki.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
// Debian's interpreter: python3-grpcio and python3-protobuf are installed for it (.ci/run).
const PYTHON = "/usr/bin/python3";

test("a Python program registers, signs in and reads its account over gRPC with mTLS", async (t) => {
  const pki = await createTestPki();
  const server = await startAuthServer({ tls: await pki.credentials("auth") });
  t.teardown(() => server.close());
  const certs = (name: string) => join(pki.dir, name);
  const { stdout } = await run(
    PYTHON,
    [
      join(root, "test", "python", "auth_client.py"),
      `localhost:${server.served.port}`,
      certs("ca.pem"),
      certs("edge.pem"),
      certs("edge.key"),
      "pythonista",
    ],
    { env: { ...process.env, PYTHONPATH: join(root, "gen", "python") }, timeout: 60_000 },
  );
  const seen = JSON.parse(stdout) as Record<string, string>;
  t.regex(seen.registered_user_id ?? "", /^[0-9a-f-]{36}$/);
  t.is(seen.me_user_id, seen.registered_user_id);
  t.is(seen.me_username, "pythonista");
  t.is(seen.invalid_request_status, "INVALID_ARGUMENT");
});

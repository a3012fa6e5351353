import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { LoggingMailer } from "../src/adapters/logging-mailer.js";
import { createAuth } from "../src/auth-module.js";
import { cheapHasher, MemoryLogger, testConfig } from "./helpers/harness.js";

test("without SMTP, a reset mail lands in <dataDir>/outbox as an owner-only file, never in the log", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-outbox-"));
  const logger = new MemoryLogger();
  const auth = await createAuth(testConfig({ dataDir }), { logger, passwordHasher: cheapHasher() });
  t.teardown(() => auth.close());
  t.true(auth.mailer instanceof LoggingMailer);

  await auth.mailer.send({
    to: "dev@example.com",
    subject: "Reset your Parley password",
    text: "http://localhost:8080/reset-password?token=SECRET-TOKEN",
  });

  const outbox = join(dataDir, "outbox");
  const files = await readdir(outbox);
  t.is(files.length, 1);
  const file = join(outbox, files[0] ?? "");
  t.regex(await readFile(file, "utf8"), /To: dev@example\.com\r\n[\s\S]*token=SECRET-TOKEN/);
  t.is((await stat(file)).mode & 0o777, 0o600);
  t.false(logger.text().includes("SECRET-TOKEN"));
  t.true(logger.text().includes(file), "the log says where the mail went");
});

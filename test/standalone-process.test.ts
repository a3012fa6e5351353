import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import test from "ava";

const root = join(import.meta.dirname, "..");

test("npm start's entry serves the API and the web app on one port and stops cleanly on SIGINT", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-start-"));
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/standalone.ts"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      PARLEY_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.teardown(() => child.kill("SIGKILL"));
  const lines: Record<string, unknown>[] = [];
  let buffered = "";
  const listening = new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === "parley listening") resolve(entry.port as number);
      }
    });
  });
  const port = await listening;
  const baseUrl = `http://127.0.0.1:${port}`;

  const health = createClient(Health, createGrpcTransport({ baseUrl }));
  t.is((await health.check({ service: "parley.auth.v1.AuthService" })).status, Status.SERVING);
  const auth = createClient(AuthService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
  const { session } = await auth.register({
    username: "newcomer",
    email: "newcomer@example.com",
    password: "correct horse battery staple",
  });
  t.is(session?.user?.username, "newcomer");
  const page = await fetch(`${baseUrl}/`);
  t.regex(await page.text(), /Parley/);
  t.true(
    lines.some(
      (l) => typeof l.msg === "string" && l.msg.startsWith("Parley is running: open http"),
    ),
  );

  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  child.kill("SIGINT");
  t.is(await exited, 0);
  t.true(lines.some((l) => l.msg === "parley stopped"));
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { ExecutionContext } from "ava";
import type { Page } from "playwright-core";
import { loadStandaloneConfig } from "../../server/src/config.js";
import { type Standalone, startStandalone } from "../../server/src/standalone-server.js";
import { ensureWebBuilt } from "../../web/scripts/ensure-built.js";
import { bearer } from "./auth-e2e.js";
import { testLogger } from "./auth-server.js";

export const PASSWORD = "correct horse battery staple";

/**
 * `npm start`'s server (the single process: API and the built web app on one origin) on
 * 127.0.0.1:0 with a throwaway data directory; stopped and removed when the test ends. Builds
 * the web app first if its sources changed. The stream heartbeat is 1 s (20 s by default) so a
 * dead stream is noticed within seconds.
 */
export async function startWebServer(
  t: ExecutionContext,
  env: Record<string, string> = {},
): Promise<{ parley: Standalone; baseUrl: string; dataDir: string }> {
  await ensureWebBuilt();
  const dataDir = await mkdtemp(join(tmpdir(), "parley-web-"));
  const parley = await startStandalone(
    loadStandaloneConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      PARLEY_DATA_DIR: dataDir,
      PARLEY_MESSAGING_HEARTBEAT_INTERVAL: "1s",
      ...env,
    }),
    testLogger("parley"),
  );
  t.teardown(async () => {
    await parley.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { parley, baseUrl: `http://127.0.0.1:${parley.served.port}`, dataDir };
}

/** A person driven through the API (to seed data or act "elsewhere"), not through a page. */
export async function apiPerson(baseUrl: string, username: string) {
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1" });
  const auth = createClient(AuthService, transport);
  const { session } = await auth.register({
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  });
  if (!session?.user) throw new Error("register answered without a session");
  const token = session.accessToken;
  const messaging = createClient(MessagingService, transport);
  return { auth, messaging, session, user: session.user, call: () => bearer(token) };
}

/** Registers through the app's own form. */
export async function registerInPage(page: Page, baseUrl: string, username: string) {
  await page.goto(baseUrl);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(username[0]?.toUpperCase() + username.slice(1));
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("navigation", { name: "Channels and direct messages" }).waitFor();
}

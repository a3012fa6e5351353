import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import test from "ava";
import type { Page } from "playwright-core";
import {
  ConsoleGuard,
  launchBrowser,
  newPerson,
  screenshot,
  withFailureScreenshots,
} from "./support/browser.js";
import { apiPerson, PASSWORD, registerInPage, startWebServer } from "./support/web-app.js";

interface Stored {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
}

const readSession = (page: Page) =>
  page.evaluate(
    () => JSON.parse(localStorage.getItem("parley.session") ?? "null") as Stored | null,
  );

const writeSession = (page: Page, change: Partial<Stored>) =>
  page.evaluate((c) => {
    const current = JSON.parse(localStorage.getItem("parley.session") ?? "{}");
    localStorage.setItem("parley.session", JSON.stringify({ ...current, ...c }));
  }, change);

test("sessions in the browser: refreshed transparently, expired ones return to sign-in with a message, sign-out, profile", async (t) => {
  t.timeout(4 * 60_000);
  const { baseUrl } = await startWebServer(t);
  const browser = await launchBrowser(t);
  const guard = new ConsoleGuard();
  const { context, page } = await newPerson(browser, guard, "carol");
  context.setDefaultTimeout(20_000);
  await withFailureScreenshots({ carol: page }, async () => {
    await registerInPage(page, baseUrl, "carol");
    const first = await readSession(page);
    t.truthy(first?.refreshToken);

    // About to expire: the app refreshes before using it, and rotates the refresh token.
    await writeSession(page, { accessTokenExpiresAt: Date.now() + 5_000 });
    await page.reload();
    await page.getByRole("heading", { name: "Welcome to Parley" }).waitFor();
    await page.waitForFunction(
      (old) => JSON.parse(localStorage.getItem("parley.session") ?? "{}").refreshToken !== old,
      first?.refreshToken,
    );
    const second = await readSession(page);
    t.not(second?.accessToken, first?.accessToken);
    t.true((second?.accessTokenExpiresAt ?? 0) > Date.now() + 60_000);

    // A token the server refuses although it looks valid: refreshed and the call retried.
    await guard.allowNetworkErrors(async () => {
      await writeSession(page, {
        accessToken: "not.a.token",
        accessTokenExpiresAt: Date.now() + 600_000,
      });
      await page.reload();
      await page.getByRole("button", { name: "Create a channel" }).click();
      const dialog = page.getByRole("dialog", { name: "Create a channel" });
      await dialog.getByLabel("Name").fill("plans");
      await dialog.getByRole("button", { name: "Create channel" }).click();
      await page.getByRole("heading", { name: "plans", level: 1 }).waitFor();
    });
    const third = await readSession(page);
    t.not(third?.refreshToken, second?.refreshToken, "refreshed once more");
    t.not(third?.accessToken, "not.a.token");
    t.is(await page.getByText("Your session expired").count(), 0);

    // The session is revoked elsewhere (signed out on another device): back to sign-in, saying why.
    const other = await apiPerson(baseUrl, "mallory");
    await other.auth.logout(
      { refreshToken: third?.refreshToken ?? "" },
      { headers: { authorization: `Bearer ${third?.accessToken}` } },
    );
    await guard.allowNetworkErrors(async () => {
      await page.reload();
      await page.getByText("Your session expired, please sign in again").waitFor();
    });
    t.is(await readSession(page), null, "nothing of the session is kept");
    t.is(await page.getByRole("heading", { name: "Sign in" }).count(), 1);

    // Signing in again (with a wrong password first: the server's words, not a code).
    await page.getByLabel("Username or email").fill("carol");
    await page.getByLabel("Password").fill("not my password");
    await guard.allowNetworkErrors(async () => {
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Wrong username/email or password.").waitFor();
    });
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "plans" }).waitFor();

    // Profile: a display name of spaces is refused next to the field; a real one is shown.
    await page.getByRole("button", { name: /profile and sign out/ }).click();
    const profile = page.getByRole("dialog", { name: "Your profile" });
    await profile.getByLabel("Display name").fill("   ");
    await guard.allowNetworkErrors(async () => {
      await profile.getByRole("button", { name: "Save" }).click();
      await profile.getByText("Enter a name, not only spaces.").waitFor();
    });
    await profile.getByLabel("Display name").fill("Carol C.");
    await profile.getByRole("button", { name: "Save" }).click();
    await profile.getByText("Saved.").waitFor();
    await profile.getByRole("button", { name: "Close" }).first().click();
    await page.getByRole("button", { name: "Carol C.: profile and sign out" }).waitFor();

    // Adding someone to a channel; the last owner may not leave it, and is told so.
    await page.getByRole("link", { name: "plans" }).click();
    await page.getByRole("button", { name: /1 member/ }).click();
    const members = page.getByRole("dialog", { name: "Members of #plans" });
    await members.getByLabel("Add someone by username").fill("nobody-here");
    await members.getByRole("button", { name: "Add", exact: true }).click();
    await members.getByText("There is no one called @nobody-here.").waitFor();
    await members.getByLabel("Add someone by username").fill("mallory");
    await members.getByRole("button", { name: "Add", exact: true }).click();
    await members.getByText("Added mallory.").waitFor();
    await members.getByRole("listitem").filter({ hasText: "@mallory" }).waitFor();
    await page.getByRole("button", { name: /2 members/ }).waitFor();
    await guard.allowNetworkErrors(async () => {
      await members.getByRole("button", { name: "Leave channel" }).click();
      await members.getByText(/would be left without an owner/).waitFor();
    });
    await members.getByRole("button", { name: "Close" }).last().click();
    t.is(await page.getByRole("link", { name: "plans" }).count(), 1);

    // Signing out: the sign-in screen, without the "expired" message, and nothing stored.
    await page.getByRole("button", { name: /profile and sign out/ }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    t.is(await page.getByText("Your session expired").count(), 0);
    t.is(await readSession(page), null);
  });
  guard.assertClean(t);
});

test("history: scrolling up loads older pages until the beginning of the channel", async (t) => {
  t.timeout(4 * 60_000);
  const { baseUrl } = await startWebServer(t, { PARLEY_MESSAGING_SEND_LIMIT: "off" });
  const dave = await apiPerson(baseUrl, "dave");
  const { channel } = await dave.messaging.createChannel(
    { kind: ChannelKind.PUBLIC, name: "history", topic: "120 messages" },
    dave.call(),
  );
  const channelId = channel?.channel?.id ?? "";
  for (let i = 1; i <= 120; i++) {
    await dave.messaging.sendMessage(
      { channelId, text: `message ${i}`, idempotencyKey: randomUUID() },
      dave.call(),
    );
  }
  const browser = await launchBrowser(t);
  const guard = new ConsoleGuard();
  const { context, page } = await newPerson(browser, guard, "erin");
  context.setDefaultTimeout(20_000);
  await withFailureScreenshots({ erin: page }, async () => {
    await registerInPage(page, baseUrl, "erin");
    await page.getByRole("button", { name: "Browse channels" }).click();
    await page.getByRole("button", { name: "Join history" }).click();
    const list = page.getByRole("list", { name: "Messages in #history" });
    await list.getByText("message 120", { exact: true }).waitFor();
    const loaded = () => list.getByRole("listitem").count();
    t.true((await loaded()) <= 100, "only the newest pages at first");
    t.is(await list.getByText("message 1", { exact: true }).count(), 0);
    const beginning = page.getByText("This is the very beginning of #history.");
    for (let i = 0; i < 30 && !(await beginning.isVisible()); i++) {
      await page.locator(".timeline-scroll").first().hover();
      await page.mouse.wheel(0, -4000);
      await page.waitForTimeout(150);
    }
    await beginning.waitFor();
    t.is(await loaded(), 120);
    const texts = await list.getByRole("listitem").locator(".msg-text").allTextContents();
    t.deepEqual(
      texts,
      Array.from({ length: 120 }, (_, i) => `message ${i + 1}`),
      "every message once, oldest first",
    );
    await screenshot(page, "08-history-start");
  });
  guard.assertClean(t);
});

test("a forgotten password: the reset link from the mail opens the app, a new password signs in", async (t) => {
  t.timeout(4 * 60_000);
  const { baseUrl, dataDir } = await startWebServer(t);
  const browser = await launchBrowser(t);
  const guard = new ConsoleGuard();
  const { context, page } = await newPerson(browser, guard, "frank");
  context.setDefaultTimeout(20_000);
  await withFailureScreenshots({ frank: page }, async () => {
    await registerInPage(page, baseUrl, "frank");
    await page.getByRole("button", { name: /profile and sign out/ }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();

    await page.getByRole("button", { name: "Forgot your password?" }).click();
    await page.getByRole("heading", { name: "Reset your password" }).waitFor();
    await page.getByLabel("Email").fill("frank@example.com");
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page
      .getByText("If frank@example.com belongs to an account, a reset link is on its way.")
      .waitFor();

    // Without SMTP, auth writes the mail to its outbox (docs/auth.md).
    const outbox = join(dataDir, "auth", "outbox");
    const files = await readdir(outbox);
    t.is(files.length, 1);
    const mail = await readFile(join(outbox, files[0] ?? ""), "utf8");
    const link = new URL(mail.match(/https?:\/\/\S+/)?.[0] ?? "");
    t.is(link.pathname, "/reset-password");
    await page.goto(`${baseUrl}${link.pathname}${link.search}`);
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await page.getByLabel("New password", { exact: true }).fill("short");
    await guard.allowNetworkErrors(async () => {
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.getByText("Must be at least 8 characters.").waitFor();
    });
    await page.getByLabel("New password", { exact: true }).fill("a brand new passphrase");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByText("Your password was changed. Sign in with the new one.").waitFor();
    t.is(new URL(page.url()).pathname, "/");

    await page.getByLabel("Username or email").fill("frank@example.com");
    await page.getByLabel("Password").fill("a brand new passphrase");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Channels and direct messages" }).waitFor();

    // The link is single use.
    await page.goto(`${baseUrl}${link.pathname}${link.search}`);
    await page.getByLabel("New password", { exact: true }).fill("yet another passphrase");
    await guard.allowNetworkErrors(async () => {
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.getByText("This reset link is invalid or has expired.").waitFor();
    });
  });
  guard.assertClean(t);
});

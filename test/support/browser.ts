import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's chromium (`.ci/run` installs it); a browser is never downloaded. */
export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const ROOT = join(import.meta.dirname, "..", "..");
/** Where every run's screenshots go (git-ignored); README says so. */
export const SCREENSHOT_DIR = join(ROOT, "artifacts", "screenshots");
/** The committed set people look at; refreshed with UPDATE_SCREENSHOTS=1. */
export const DOC_SCREENSHOT_DIR = join(ROOT, "docs", "screenshots");

/** Launches chromium headless; closed when the test ends, pass or fail. */
export async function launchBrowser(t: ExecutionContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * Fails the test on any console error or uncaught page error. The only exception is the line
 * the browser itself logs for a failed request ("Failed to load resource…", "net::ERR_…"), and
 * only inside {@link allowNetworkErrors}, around the steps where the test provokes one (an
 * invalid form the server answers with 400, going offline). Nothing the app logs is excused.
 */
export class ConsoleGuard {
  readonly problems: string[] = [];
  /** Network failures the browser logged while allowed, for the test to inspect. */
  readonly excused: string[] = [];
  #allowing = 0;

  watch(page: Page, who: string): void {
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const text = message.text();
      if (this.#allowing > 0 && isNetworkFailure(text)) {
        this.excused.push(`${who}: ${text}`);
        return;
      }
      this.problems.push(`${who} console error: ${text}`);
    });
    page.on("pageerror", (error) => {
      this.problems.push(`${who} page error: ${error.stack ?? error.message}`);
    });
  }

  /** Runs `step`, excusing the browser's own logging of failed requests meanwhile. */
  async allowNetworkErrors<T>(step: () => Promise<T>): Promise<T> {
    this.#allowing++;
    try {
      return await step();
    } finally {
      this.#allowing--;
    }
  }

  assertClean(t: ExecutionContext): void {
    t.deepEqual(this.problems, [], "no console errors and no page errors");
  }
}

function isNetworkFailure(text: string): boolean {
  return /^Failed to load resource|net::ERR_/.test(text);
}

/** A fresh context (its own storage: one person) with the guard watching its pages. */
export async function newPerson(
  browser: Browser,
  guard: ConsoleGuard,
  who: string,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    reducedMotion: "reduce",
    ...options,
  });
  const page = await context.newPage();
  guard.watch(page, who);
  return { context, page };
}

/**
 * Saves a screenshot to artifacts/screenshots/<name>.png; with UPDATE_SCREENSHOTS=1 also to
 * docs/screenshots/ (the committed set linked from the README).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, animations: "disabled", caret: "hide" });
  if (process.env.UPDATE_SCREENSHOTS === "1") {
    await mkdir(DOC_SCREENSHOT_DIR, { recursive: true });
    await copyFile(path, join(DOC_SCREENSHOT_DIR, `${name}.png`));
  }
  return path;
}

/**
 * Runs a browser test's body; when it fails, saves what each page showed at that moment to
 * artifacts/screenshots/failed-<who>.png before rethrowing.
 */
export async function withFailureScreenshots(
  pages: Record<string, Page>,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (err) {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    for (const [who, page] of Object.entries(pages)) {
      await page
        .screenshot({ path: join(SCREENSHOT_DIR, `failed-${who}.png`) })
        .catch(() => undefined);
    }
    throw err;
  }
}

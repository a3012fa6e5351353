/**
 * Builds the web app into web/dist when its inputs changed since the last build (or always with
 * `--force`). `npm start` runs it first (prestart), and the browser tests call
 * {@link ensureWebBuilt} in their `before` hook, so a fresh clone serves and tests the real app
 * without a separate step. Whether a build is needed is decided by a hash of the inputs (the
 * app's sources, the generated clients, the lockfile), not by timestamps, which a fresh clone
 * or a checkout resets. Concurrent callers (test files run in parallel) build once: the others
 * wait on a lock directory and then find the build done.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

const WEB = join(import.meta.dirname, "..");
const ROOT = join(WEB, "..");
const DIST = join(WEB, "dist");
const STAMP = join(DIST, ".inputs-sha256");
const LOCK = join(WEB, ".build-lock");
/** A lock older than this was left by a build that died; take it over. */
const STALE_LOCK_MS = 5 * 60_000;

const INPUTS = [
  "web/src",
  "web/public",
  "web/index.html",
  "web/vite.config.ts",
  "web/package.json",
  "gen/ts",
  "package-lock.json",
];

/** Hash of every input file's path and content. */
export async function inputsHash(): Promise<string> {
  const hash = createHash("sha256");
  const files: string[] = [];
  for (const input of INPUTS) files.push(...(await listFiles(join(ROOT, input))));
  files.sort();
  for (const file of files) {
    hash.update(relative(ROOT, file));
    hash.update("\0");
    hash.update(await readFile(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** Builds web/dist unless it is already built from the current inputs. Returns whether it built. */
export async function ensureWebBuilt(options: { force?: boolean } = {}): Promise<boolean> {
  const wanted = await inputsHash();
  if (!options.force && (await builtHash()) === wanted) return false;
  await acquireLock();
  try {
    if (!options.force && (await builtHash()) === wanted) return false; // built while we waited
    await runViteBuild();
    await writeFile(STAMP, `${wanted}\n`);
    return true;
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function builtHash(): Promise<string | undefined> {
  try {
    return (await readFile(STAMP, "utf8")).trim();
  } catch {
    return undefined;
  }
}

async function listFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  if (info.isFile()) return [path];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    out.push(...(await listFiles(join(path, entry.name))));
  }
  return out;
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const info = await stat(LOCK).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) {
        await rm(LOCK, { recursive: true, force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function runViteBuild(): Promise<void> {
  const vite = join(ROOT, "node_modules", "vite", "bin", "vite.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], {
      cwd: WEB,
      // Always the production build (test runners set NODE_ENV=test, which Vite would honour).
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`)),
    );
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const force = process.argv.includes("--force");
  const built = await ensureWebBuilt({ force });
  console.log(built ? "web app built into web/dist" : "web app is up to date (web/dist)");
}

/**
 * `npm run check:contracts` (CI): buf lint, buf breaking against the previous version of the
 * contracts, and a check that gen/ is exactly what `npm run generate` produces.
 *
 * The baseline is `PARLEY_BREAKING_BASE` when set (any git ref), else `origin/main` when it
 * differs from HEAD (a branch), else `HEAD~1` (CI checks a fresh clone of main). Its `proto/`
 * is built into a buf image beside the offline dependencies, since `.deps/` is not in git.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = {
  ...process.env,
  PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH}`,
};
const run = (cmd: string, args: string[], opts: { cwd?: string } = {}) =>
  execFileSync(cmd, args, { cwd: opts.cwd ?? root, env, stdio: "inherit" });
const output = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, {
    cwd: root,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
const tryOutput = (cmd: string, args: string[]) => {
  try {
    return output(cmd, args);
  } catch {
    return undefined;
  }
};

console.log("• buf lint");
run("buf", ["lint"]);

const head = output("git", ["rev-parse", "HEAD"]);
const originMain = tryOutput("git", ["rev-parse", "--verify", "-q", "origin/main"]);
const base =
  process.env.PARLEY_BREAKING_BASE ??
  (originMain && originMain !== head
    ? "origin/main"
    : tryOutput("git", ["rev-parse", "--verify", "-q", "HEAD~1"]) && "HEAD~1");
if (!base || !tryOutput("git", ["rev-parse", "--verify", "-q", `${base}:proto`])) {
  console.log(`• buf breaking: skipped (no earlier contracts at ${base ?? "any earlier commit"})`);
} else {
  console.log(`• buf breaking against ${base}`);
  const dir = mkdtempSync(join(tmpdir(), "parley-breaking-"));
  try {
    execFileSync("sh", ["-c", `git archive ${base} proto | tar -x -C "${dir}"`], { cwd: root });
    cpSync(join(root, ".deps"), join(dir, ".deps"), { recursive: true });
    cpSync(join(root, "buf.yaml"), join(dir, "buf.yaml"));
    run("buf", ["build", "-o", join(dir, "base.binpb")], { cwd: dir });
    run("buf", ["build", "-o", join(dir, "head.binpb")]);
    run("buf", ["breaking", join(dir, "head.binpb"), "--against", join(dir, "base.binpb")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log("• generated code is up to date");
run(process.execPath, ["--import", "tsx", join(root, "scripts", "generate.ts")]);
const drift = output("git", ["status", "--porcelain", "--", "gen"]);
if (drift) {
  console.error(`gen/ differs from what npm run generate produces; run it and commit:\n${drift}`);
  process.exit(1);
}
console.log("contracts OK");

/**
 * `npm run generate`: rebuilds everything under gen/ from proto/ with buf and local plugins.
 * gen/ is committed; CI runs this and fails when the result differs from what is committed.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { cwd: root, env, stdio: "inherit" });

run(process.execPath, ["--import", "tsx", join(root, "scripts", "proto-deps.ts")]);

// Remove previous output (but keep gen/ts/package.json and other hand-kept package files).
rmSync(join(root, "gen", "ts", "parley"), { recursive: true, force: true });
for (const entry of readdirSync(join(root, "gen", "python"))) {
  if (entry !== "README.md")
    rmSync(join(root, "gen", "python", entry), { recursive: true, force: true });
}

run("buf", ["generate"]);
// Python has grpc.health.v1 in its own grpcio-health-checking package, and a `grpc/` folder here
// would collide with grpcio's `grpc` package, so only TypeScript keeps the generated health code.
rmSync(join(root, "gen", "python", "grpc"), { recursive: true, force: true });
console.log("generated gen/ts and gen/python");

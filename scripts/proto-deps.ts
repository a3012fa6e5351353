/**
 * Writes third-party .proto dependencies into the git-ignored `.deps/proto` module, rebuilt from
 * descriptors embedded in installed npm packages (buf's remote registry is out of reach).
 * Runs after `npm ci` (postinstall) and before `buf generate`, so buf always finds its imports.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { printProtoSource } from "./proto-source.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const depsDir = join(root, ".deps", "proto");

function write(name: string, put: (target: string) => void): void {
  const target = join(depsDir, name);
  mkdirSync(dirname(target), { recursive: true });
  put(target);
  console.log(`wrote ${target.slice(root.length + 1)}`);
}

// protovalidate's rules, printed from the descriptor @bufbuild/protovalidate embeds.
for (const file of [file_buf_validate_validate]) {
  write(file.proto.name, (target) => writeFileSync(target, printProtoSource(file.proto)));
}

// grpc.health.v1, shipped as source by the grpc-health-check package.
const require = createRequire(import.meta.url);
const healthPackage = dirname(require.resolve("grpc-health-check/package.json"));
write("grpc/health/v1/health.proto", (target) =>
  copyFileSync(join(healthPackage, "proto", "health", "v1", "health.proto"), target),
);

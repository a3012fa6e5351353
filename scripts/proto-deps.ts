/**
 * Writes third-party .proto dependencies into the git-ignored `.deps/proto` module, rebuilt from
 * descriptors embedded in installed npm packages (buf's remote registry is out of reach).
 * Runs after `npm ci` (postinstall) and before `buf generate`, so buf always finds its imports.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { printProtoSource } from "./proto-source.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const depsDir = join(root, ".deps", "proto");

for (const file of [file_buf_validate_validate]) {
  const target = join(depsDir, file.proto.name);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, printProtoSource(file.proto));
  console.log(`wrote ${target.slice(root.length + 1)}`);
}

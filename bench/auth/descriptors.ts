import { create, type DescFile, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { file_parley_auth_v1_auth_service } from "@parley/gen/parley/auth/v1/auth_service_pb.js";

/** Fully qualified name of the service both servers host. */
export const AUTH_SERVICE = "parley.auth.v1.AuthService";

/**
 * The contract as a serialized `FileDescriptorSet`, built from the descriptors protoc-gen-es
 * embedded in the generated code (the auth file and every file it imports, dependencies first),
 * so the plain gRPC server and client read exactly the contract Parley serves, without `.proto`
 * files or protoc at run time.
 */
export function authDescriptorSet(): Uint8Array {
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.add(file.name);
    for (const dep of file.dependencies) visit(dep);
    ordered.push(file);
  };
  visit(file_parley_auth_v1_auth_service);
  return toBinary(
    FileDescriptorSetSchema,
    create(FileDescriptorSetSchema, { file: ordered.map((f) => f.proto) }),
  );
}

/**
 * proto-loader's options, shared by the plain server and the gRPC client: enums as numbers,
 * 64-bit integers as JS numbers, defaults filled in. Field names stay as in the .proto
 * (snake_case): protobufjs builds types from a descriptor set with the descriptor's names.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: Number,
  defaults: true,
  oneofs: true,
};

/** `parley.auth.v1.AuthService` as @grpc/grpc-js sees it (proto-loader + protobufjs codecs). */
export function loadAuthService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadFileDescriptorSetFromBuffer(
    Buffer.from(authDescriptorSet()),
    LOADER_OPTIONS,
  );
  const service = definition[AUTH_SERVICE];
  if (!service || !("GetMe" in service))
    throw new Error(`${AUTH_SERVICE} missing from descriptors`);
  return service as grpc.ServiceDefinition;
}

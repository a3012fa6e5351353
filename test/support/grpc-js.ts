import { create, type DescFile, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/**
 * A serialized `google.protobuf.FileDescriptorSet` holding `files` and everything they import,
 * dependencies first: what any protobuf runtime can load, taken from the generated code's
 * embedded descriptors (so a stock client sees exactly the contract the server was built from).
 */
export function descriptorSetOf(...files: DescFile[]): Buffer {
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.add(file.name);
    for (const dep of file.dependencies) visit(dep);
    ordered.push(file);
  };
  for (const file of files) visit(file);
  const set = create(FileDescriptorSetSchema, { file: ordered.map((f) => f.proto) });
  return Buffer.from(toBinary(FileDescriptorSetSchema, set));
}

/**
 * Loads generated files into `@grpc/grpc-js` through `@grpc/proto-loader`, the way a plain
 * grpc-js user would (snake_case kept as in the .proto, enums as names, defaults filled in).
 */
export function loadGrpcJs(...files: DescFile[]): grpc.GrpcObject {
  const definition = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSetOf(...files), {
    keepCase: true,
    enums: String,
    longs: String,
    defaults: true,
  });
  return grpc.loadPackageDefinition(definition);
}

/** Looks a service's client constructor up by its fully qualified name. */
export function serviceClient(
  root: grpc.GrpcObject,
  typeName: string,
): grpc.ServiceClientConstructor {
  let node: unknown = root;
  for (const part of typeName.split(".")) node = (node as Record<string, unknown>)[part];
  if (typeof node !== "function") throw new Error(`${typeName} is not in the loaded package`);
  return node as grpc.ServiceClientConstructor;
}

/** Calls a unary method on a grpc-js client and resolves with the response (or the ServiceError). */
export function unary<Res = Record<string, unknown>>(
  client: grpc.Client,
  method: string,
  request: object,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<Res> {
  type UnaryMethod = (
    request: object,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, res: Res) => void,
  ) => grpc.ClientUnaryCall;
  const fn = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
  if (typeof fn !== "function") throw new Error(`the client has no method ${method}`);
  return new Promise((resolve, reject) => {
    fn.call(client, request, metadata, { deadline: Date.now() + 10_000 }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** Awaits a grpc-js call that must fail and returns its ServiceError. */
export async function grpcFailure(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

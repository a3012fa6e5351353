import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { Attributes } from "@opentelemetry/api";

/** The RPC semantic-convention attributes shared by client and server spans. */
export function rpcAttributes(
  service: DescService,
  method: DescMethod,
  contentType: string | null,
): Attributes {
  const grpc = contentType?.startsWith("application/grpc") ?? false;
  return {
    "rpc.system": grpc ? "grpc" : "connect_rpc",
    "rpc.service": service.typeName,
    "rpc.method": method.name,
  };
}

/** The span name the conventions ask for: `package.Service/Method`. */
export function rpcSpanName(service: DescService, method: DescMethod): string {
  return `${service.typeName}/${method.name}`;
}

import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Attributes } from "@opentelemetry/api";

/** Which RPC protocol a request speaks, as the `rpc.system` attribute names it. */
export type RpcSystem = "grpc" | "connect_rpc";

/** gRPC and gRPC-Web are `grpc`; the Connect protocol (JSON or binary) is `connect_rpc`. */
export function rpcSystemOf(contentType: string | null): RpcSystem {
  return contentType?.startsWith("application/grpc") ? "grpc" : "connect_rpc";
}

/** The RPC semantic-convention attributes shared by client and server spans. */
export function rpcAttributes(
  service: DescService,
  method: DescMethod,
  system: RpcSystem,
): Attributes {
  return {
    "rpc.system": system,
    "rpc.service": service.typeName,
    "rpc.method": method.name,
  };
}

/** The span name the conventions ask for: `package.Service/Method`. */
export function rpcSpanName(service: DescService, method: DescMethod): string {
  return `${service.typeName}/${method.name}`;
}

/** The outcome of a call as a Connect code: `undefined` for success, `unknown` for non-Connect errors. */
export function rpcCodeOf(err: unknown): Code | undefined {
  if (err === undefined) return undefined;
  return err instanceof ConnectError ? err.code : Code.Unknown;
}

/** A code as the wire and the Connect protocol spell it: `permission_denied`, `ok`, ... */
export function connectCodeName(code: Code | undefined): string {
  if (code === undefined) return "ok";
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`)).toLowerCase();
}

/** Failures that are the server's fault: logged as errors, recorded with their cause on spans. */
export function isServerFault(code: Code | undefined): boolean {
  return code === Code.Internal || code === Code.Unknown || code === Code.DataLoss;
}

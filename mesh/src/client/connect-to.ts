import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { clientTracingInterceptor } from "../interceptors/tracing-interceptor.js";
import type { MeshTls } from "../server/serve.js";
import { type RetryOptions, retryInterceptor } from "./retry-interceptor.js";

export interface ConnectToOptions {
  /** e.g. `https://localhost:8443` (mesh) or `http://localhost:8080` (h2c). */
  readonly baseUrl: string;
  /** This service's certificate and the mesh CA; required for https URLs. */
  readonly tls?: MeshTls;
  /** Deadline for calls that set none (default 5 s). Server streams should pass their own. */
  readonly defaultTimeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly interceptors?: Interceptor[];
}

/**
 * A Connect transport (gRPC protocol over HTTP/2) to another mesh service: presents this
 * service's certificate, verifies the peer against the mesh CA, propagates trace context, sets a
 * deadline on every call, and retries idempotent calls on transient failures.
 */
export function connectTo(options: ConnectToOptions): Transport {
  const tls = options.tls;
  return createGrpcTransport({
    baseUrl: options.baseUrl,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 5_000,
    interceptors: [
      clientTracingInterceptor(),
      retryInterceptor(options.retry),
      ...(options.interceptors ?? []),
    ],
    nodeOptions: tls ? { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem } : {},
  });
}

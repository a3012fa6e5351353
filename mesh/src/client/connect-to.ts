import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { validateReadWriteMaxBytes } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-grpc";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { currentDeadline } from "../interceptors/deadline-interceptor.js";
import { clientTracingInterceptor } from "../interceptors/tracing-interceptor.js";
import type { MeshTls } from "../server/serve.js";
import type { Logger } from "../telemetry/logger.js";
import type { BreakerOptions } from "./circuit-breaker.js";
import { EndpointPool } from "./endpoint-pool.js";
import { type RetryOptions, retryInterceptor } from "./retry-interceptor.js";

export interface ConnectToOptions {
  /**
   * The upstream's base URL, e.g. `https://127.0.0.1:7401` (mesh) or `http://localhost:8080`
   * (h2c), or the base URLs of all its instances (calls are spread over them, see below).
   */
  readonly baseUrl: string | readonly string[];
  /** This service's certificate and the mesh CA; required for https URLs. */
  readonly tls?: MeshTls | undefined;
  /**
   * Deadline of a call that sets none (default 5 s; 0: none). Server streams should pass their
   * own, or `timeoutMs: 0` for none. Inside a handler the caller's remaining time caps it.
   */
  readonly defaultTimeoutMs?: number;
  /** A connection not up within this fails with `unavailable` (default 2 s). */
  readonly connectTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Circuit breaker per instance (default 5 consecutive failures, 5 s open); `false`: none. */
  readonly breaker?: BreakerOptions | false;
  readonly interceptors?: Interceptor[];
  /** Where circuit changes are logged (opened, probing, closed). */
  readonly logger?: Logger | undefined;
}

/** A transport to a mesh service, with a view of its instances' circuits. */
export interface MeshTransport extends Transport {
  /** The instances' base URLs. */
  readonly urls: readonly string[];
  /** Circuit state per instance URL. */
  circuits(): Record<string, "closed" | "open" | "half-open">;
  /** Closes the connections (a transport is usually kept for the life of the process). */
  close(): void;
}

/**
 * A Connect transport (gRPC protocol over HTTP/2) to another mesh service, resilient the way a
 * mesh client must be:
 * - presents this service's certificate and verifies the peer against the mesh CA;
 * - propagates trace context (CLIENT spans) and **deadlines**: every call gets one (its own, or
 *   `defaultTimeoutMs`), capped by the deadline of the request being handled, so a call made with
 *   2 s left passes at most those 2 s on; with nothing left it fails with `deadline_exceeded`
 *   without being sent;
 * - **retries** only unary RPCs the contract marks `NO_SIDE_EFFECTS` or `IDEMPOTENT`, on
 *   `unavailable`, with exponential backoff and full jitter, within the deadline;
 * - a **circuit breaker** per instance: after consecutive transport failures calls fail fast with
 *   `unavailable` until a probe succeeds;
 * - a dead instance fails fast: a refused connection at once, a black-holed one after
 *   `connectTimeoutMs`; with several instances, such a call moves on to the next one.
 */
export function connectTo(options: ConnectToOptions): MeshTransport {
  const urls = typeof options.baseUrl === "string" ? [options.baseUrl] : options.baseUrl;
  const pool = new EndpointPool(urls, {
    tls: options.tls,
    connectTimeoutMs: options.connectTimeoutMs,
    breaker: options.breaker,
    logger: options.logger,
  });
  const inner = createTransport({
    baseUrl: pool.primary,
    httpClient: pool.httpClient,
    useBinaryFormat: true,
    interceptors: [
      clientTracingInterceptor(),
      retryInterceptor(options.retry),
      ...(options.interceptors ?? []),
      pool.interceptor(),
    ],
    acceptCompression: [compressionGzip, compressionBrotli],
    sendCompression: null,
    ...validateReadWriteMaxBytes(undefined, undefined, undefined),
  });
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;
  const budget = (timeoutMs: number | undefined, rpc: string): number => {
    // 0 (or less) means "no deadline of its own", for the call and for the default alike.
    const asked = timeoutMs ?? defaultTimeoutMs;
    const own = asked > 0 ? asked : undefined;
    const inherited = currentDeadline();
    // The transport reads 0 as "no deadline".
    if (inherited === undefined) return own ?? 0;
    const remaining = Math.floor(inherited - Date.now());
    if (remaining <= 0) {
      throw new ConnectError(
        `the caller's deadline passed before ${rpc} was called`,
        Code.DeadlineExceeded,
      );
    }
    return own === undefined ? remaining : Math.min(own, remaining);
  };
  return {
    urls: pool.urls,
    circuits: () => pool.circuits(),
    close: () => pool.close(),
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const timeout = budget(timeoutMs, `${method.parent.typeName}/${method.name}`);
      return inner.unary(method, signal, timeout, header, input, contextValues);
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const timeout = budget(timeoutMs, `${method.parent.typeName}/${method.name}`);
      return inner.stream(method, signal, timeout, header, input, contextValues);
    },
  };
}

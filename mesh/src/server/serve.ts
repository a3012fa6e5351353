import { setMaxListeners } from "node:events";
import { createSecureServer, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ContextValues,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import {
  type ConnectNodeAdapterOptions,
  compressionBrotli,
  compressionGzip,
  connectNodeAdapter,
} from "@connectrpc/connect-node";
import type { TokenVerifier } from "../auth/token-verifier.js";
import { kClientAddress, kPeerService } from "../context.js";
import { HealthRegistry } from "../health/health-registry.js";
import { createHealthService, Health } from "../health/health-service.js";
import { accessInterceptor } from "../interceptors/access-interceptor.js";
import { deadlineInterceptor } from "../interceptors/deadline-interceptor.js";
import { errorInterceptor } from "../interceptors/error-interceptor.js";
import { loggingInterceptor } from "../interceptors/logging-interceptor.js";
import { serverTracingInterceptor } from "../interceptors/tracing-interceptor.js";
import { validationInterceptor } from "../interceptors/validation-interceptor.js";
import type { Policy } from "../policy/policy.js";
import type { Logger } from "../telemetry/logger.js";
import { type Admission, AdmissionControl } from "./admission.js";
import { GrpcUnaryFastPath } from "./grpc-unary.js";
import { peerOf } from "./peer-identity.js";
import { createPlaintextServer } from "./plaintext-server.js";
import { correctProtocolErrors, decodedMarker } from "./protocol-errors.js";
import { enableStreamSinks, kHttp2Stream } from "./stream-sink.js";
import { releaseUnreadBody } from "./unread-body.js";

export type { Admission } from "./admission.js";
export {
  frameMessage,
  kStreamSink,
  type StreamCodec,
  type StreamSink,
  streamCodecOf,
} from "./stream-sink.js";

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
/** A plain HTTP request as Connect's Node adapter sees it (HTTP/1.1 or HTTP/2). */
export type NodeRequest = Parameters<NodeHandler>[0];
export type NodeResponse = Parameters<NodeHandler>[1];

/** Certificates for mesh mode: this service's identity plus the mesh CA that signs its peers. */
export interface MeshTls {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

export interface ServeOptions {
  /** Names this server in logs ("auth", or "parley" for the single process). */
  readonly name: string;
  /** Registers the services this server hosts. */
  readonly routes: (router: ConnectRouter) => void;
  /** Fully qualified names of the hosted services, reported by grpc.health.v1. */
  readonly services: readonly string[];
  readonly policy: Policy;
  readonly tokens: TokenVerifier;
  readonly logger: Logger;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Mesh mode: TLS with required, verified client certificates. Absent: plaintext h2c + HTTP/1.1. */
  readonly tls?: MeshTls;
  /** Plain HTTP requests that are not RPCs (JWKS, the web app); return false to answer 404. */
  readonly http?: (req: NodeRequest, res: NodeResponse) => boolean | Promise<boolean>;
  /** How long close() lets in-flight calls finish before cutting connections (default 10 s). */
  readonly drainTimeoutMs?: number;
  /** Largest accepted request message (default 4 MiB). */
  readonly readMaxBytes?: number;
  /** Load shedding: asked first for every RPC (see {@link Admission}). Default: every call taken. */
  readonly admit?: Admission;
}

export interface Served {
  readonly port: number;
  /** Base URL: `https://localhost:<port>` in mesh mode, `http://localhost:<port>` otherwise. */
  readonly url: string;
  readonly health: HealthRegistry;
  /** Graceful shutdown: NOT_SERVING, stop accepting, end streams, drain, then close. */
  close(): Promise<void>;
}

/**
 * Serves Connect, gRPC and gRPC-Web on one port with the mesh's interceptors (tracing, logging,
 * error mapping, access policy, validation) and `grpc.health.v1`, so a service's own code is
 * business logic only.
 *
 * Two shortcuts around connect's generic pipeline, each with the same interceptors and answers:
 * plain gRPC unary calls are served by {@link GrpcUnaryFastPath}, and server streams may write
 * pre-encoded frames through a {@link import("./stream-sink.js").StreamSink}.
 */
export async function serve(options: ServeOptions): Promise<Served> {
  const health = new HealthRegistry(options.services);
  const shutdown = new AbortController();
  // Every in-flight call listens for shutdown: past 10 calls Node would warn of a listener leak.
  setMaxListeners(Number.POSITIVE_INFINITY, shutdown.signal);
  const admission = options.admit ? new AdmissionControl(options.admit, options.logger) : undefined;
  const chain: Interceptor[] = [
    decodedMarker(),
    serverTracingInterceptor(),
    deadlineInterceptor(),
    loggingInterceptor(options.logger),
    errorInterceptor(),
    accessInterceptor({ policy: options.policy, tokens: options.tokens }),
    validationInterceptor(),
  ];
  // The fast path asks admission itself, before reading the call; connect's path asks first thing.
  const interceptors = admission ? [admission.interceptor(), ...chain] : chain;
  const contextValues = (req: NodeRequest): ContextValues => {
    const values = createContextValues();
    const peer = peerOf(req);
    if (peer) values.set(kPeerService, peer);
    values.set(kClientAddress, clientAddress(req, peer?.name === "edge"));
    if ("stream" in req) values.set(kHttp2Stream, req.stream);
    return values;
  };
  const readMaxBytes = options.readMaxBytes ?? 4 * 1024 * 1024;
  // gRPC unary calls skip connect's generic pipeline (same interceptors, same answers).
  const grpcUnary = new GrpcUnaryFastPath({
    interceptors: chain,
    shutdownSignal: shutdown.signal,
    contextValues,
    readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
    admission,
  });
  const adapter = connectNodeAdapter({
    routes(connectRouter) {
      const router = grpcUnary.capture(connectRouter);
      options.routes(router);
      router.service(Health, createHealthService(health));
      // The adapter builds its routes from router.handlers once this returns.
      correctProtocolErrors(router.handlers);
      // Server streams may write pre-encoded frames (see stream-sink.ts).
      enableStreamSinks(router.handlers);
    },
    interceptors,
    shutdownSignal: shutdown.signal,
    readMaxBytes,
    contextValues,
    fallback(req, res) {
      void Promise.resolve(options.http?.(req, res) ?? false).then(
        (handled) => handled || notFound(res),
        (err: unknown) => {
          options.logger.error({ err, path: req.url }, "http handler failed");
          if (!res.headersSent) {
            res.writeHead(500);
            res.end();
          }
        },
      );
    },
  });

  const rpc = (req: NodeRequest, res: NodeResponse) => {
    if (!("stream" in req)) releaseUnreadBody(req, res as import("node:http").ServerResponse);
    if (!grpcUnary.handle(req, res)) adapter(req, res);
  };

  const sessions = new Set<Http2Session>();
  const track = (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  };

  let listener: import("node:net").Server;
  let closeHttp1 = () => {};
  if (options.tls) {
    const secure = createSecureServer(
      {
        cert: options.tls.certPem,
        key: options.tls.keyPem,
        ca: options.tls.caPem,
        requestCert: true,
        rejectUnauthorized: true,
        allowHTTP1: true,
        minVersion: "TLSv1.2",
      },
      rpc,
    );
    secure.on("session", track);
    // HTTP/1.1-over-TLS connections have no session; cut them at the end of the drain.
    const tlsSockets = new Set<import("node:tls").TLSSocket>();
    secure.on("secureConnection", (socket) => {
      tlsSockets.add(socket);
      socket.once("close", () => tlsSockets.delete(socket));
    });
    closeHttp1 = () => {
      for (const socket of tlsSockets) socket.destroy();
    };
    secure.on("tlsClientError", (err: NodeJS.ErrnoException, socket) => {
      // A client certificate that fails verification shows up as the socket's authorizationError;
      // the error itself then only says the connection was cut.
      const reason = String(socket.authorizationError ?? err.code ?? err.message);
      options.logger.warn({ reason, remote: socket.remoteAddress }, "TLS handshake refused");
    });
    listener = secure;
  } else {
    const plain = createPlaintextServer(rpc as never);
    plain.h2.on("session", track);
    closeHttp1 = () => plain.destroyHttp1();
    shutdown.signal.addEventListener("abort", () => plain.closeHttp1Gracefully(), { once: true });
    listener = plain.net;
  }

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const port = (listener.address() as AddressInfo).port;
  const url = `${options.tls ? "https" : "http"}://localhost:${port}`;
  options.logger.info({ port, url, tls: Boolean(options.tls) }, `${options.name} listening`);

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    health,
    close() {
      closing ??= (async () => {
        health.setAllNotServing();
        admission?.close();
        const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
        // Calls cut by the drain are the server's doing, not the client's: unavailable (retried elsewhere).
        shutdown.abort(new ConnectError("the server is shutting down", Code.Unavailable));
        for (const session of sessions) session.close();
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
          closeHttp1();
        }, options.drainTimeoutMs ?? 10_000);
        await closed;
        clearTimeout(timer);
        options.logger.info(`${options.name} stopped`);
      })();
      return closing;
    },
  };
}

function clientAddress(req: NodeRequest, trustForwarded: boolean): string {
  const forwarded = trustForwarded ? req.headers["x-forwarded-for"] : undefined;
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return first || req.socket.remoteAddress || "";
}

function notFound(res: NodeResponse): void {
  if (res.headersSent) return;
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
  res.end("not found\n");
}

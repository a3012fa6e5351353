/**
 * Server child for ablations: auth's own service (`createAuth`, the same handler object
 * `serveAuth` registers) on connect-node's adapter over a bare node:http2 h2c server, with a
 * chosen subset of the mesh's interceptors, so the cost of each can be measured without
 * touching `mesh/`.
 *
 * BENCH_CHAIN is a comma-separated list, outermost first, of:
 *   tracing, logging, error, access, validation — the mesh's own interceptors, built exactly as
 *     `serve()` builds them (the order serve() uses is the order listed here);
 *   bearer — the least a handler that needs a user requires: parse the header, verify the token
 *     with the mesh's `createTokenVerifier` (same options as `serveAuth`: cached keys, denylist)
 *     and set `kUser`; no policy file. Use it instead of `access`.
 *
 * Differences from `serve()` that remain: no HTTP/1.1 preface sniffing (per connection only), no
 * health service or JWKS route (not called), no per-request `contextValues` (peer certificate
 * lookup and client address).
 */
import { createServer, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createAuth, loadConfig } from "@parley/auth";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import {
  createLogger,
  createTokenVerifier,
  errorInterceptor,
  InvalidTokenError,
  kUser,
  loadPolicy,
  serverTracingInterceptor,
  startTracing,
  type TokenVerifier,
} from "@parley/mesh";
// Not part of @parley/mesh's public surface; imported by path for this ablation only.
import { accessInterceptor } from "../../../mesh/src/interceptors/access-interceptor.js";
import { loggingInterceptor } from "../../../mesh/src/interceptors/logging-interceptor.js";
import { validationInterceptor } from "../../../mesh/src/interceptors/validation-interceptor.js";
import { runServerChild } from "../../lib/child-protocol.js";

const config = loadConfig();
const chain = (process.env.BENCH_CHAIN ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const tracing =
  process.env.BENCH_OTEL_SDK === "off"
    ? undefined
    : startTracing({ serviceName: "auth", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "auth", level: config.mesh.logLevel });

/** Bearer token → kUser, nothing else (what the plain server does before its handler). */
function bearerInterceptor(tokens: TokenVerifier): Interceptor {
  return (next) => async (req) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.header.get("authorization") ?? "");
    if (!match?.[1]) throw new ConnectError("sign in first", Code.Unauthenticated);
    try {
      req.contextValues.set(kUser, await tokens.verify(match[1]));
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        throw new ConnectError("invalid token", Code.Unauthenticated);
      }
      throw err;
    }
    return next(req);
  };
}

runServerChild(async () => {
  const auth = await createAuth(config.auth, { logger });
  const tokens = createTokenVerifier({
    jwks: () => auth.signingKeys.jwks(),
    isDenied: auth.isTokenDenied,
    minRefreshIntervalMs: 0,
  });
  const policy = loadPolicy(config.mesh.policyFile);
  const build: Record<string, () => Interceptor> = {
    tracing: () => serverTracingInterceptor(),
    logging: () => loggingInterceptor(logger),
    error: () => errorInterceptor(),
    access: () => accessInterceptor({ policy, tokens }),
    validation: () => validationInterceptor(),
    bearer: () => bearerInterceptor(tokens),
  };
  const interceptors = chain.map((name) => {
    const make = build[name];
    if (!make) throw new Error(`BENCH_CHAIN: unknown interceptor "${name}"`);
    return make();
  });
  const handler = connectNodeAdapter({
    routes: (router) => router.service(AuthService, auth.service),
    interceptors,
  });
  const server = createServer(handler);
  const sessions = new Set<Http2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      await closed;
      await auth.close();
      await tracing?.shutdown();
    },
  };
});

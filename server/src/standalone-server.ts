import { type Auth, createAuth, createJwksRoute } from "@parley/auth";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import {
  createTokenVerifier,
  type Logger,
  loadPolicy,
  type NodeRequest,
  type NodeResponse,
  type Served,
  serve,
} from "@parley/mesh";
import type { StandaloneConfig } from "./config.js";
import { createStaticFiles } from "./static-files.js";

export interface Standalone {
  readonly served: Served;
  readonly auth: Auth;
  /** Graceful stop: drain the server, then close every store. */
  close(): Promise<void>;
}

/**
 * Every Parley service in one process on one port (services join here as they are built), with
 * the web app on the same origin. Used by `npm start`, the tests and the benchmarks.
 */
export async function startStandalone(
  config: StandaloneConfig,
  logger: Logger,
): Promise<Standalone> {
  const auth = await createAuth(config.auth, { logger: logger.child({ component: "auth" }) });
  const routes = [createJwksRoute(auth.signingKeys), createStaticFiles(config.webDir)];
  const served = await serve({
    name: "parley",
    routes(router) {
      router.service(AuthService, auth.service);
    },
    services: [AuthService.typeName],
    policy: loadPolicy(config.mesh.policyFile),
    tokens: createTokenVerifier({
      jwks: () => auth.signingKeys.jwks(),
      isDenied: auth.isTokenDenied,
      minRefreshIntervalMs: 0,
    }),
    logger,
    port: config.mesh.port,
    host: config.mesh.host,
    http: async (req: NodeRequest, res: NodeResponse) => {
      for (const route of routes) if (await route(req, res)) return true;
      return false;
    },
  });
  return {
    served,
    auth,
    async close() {
      await served.close();
      await auth.close();
    },
  };
}

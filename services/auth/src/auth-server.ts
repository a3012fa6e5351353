import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import {
  createTokenVerifier,
  type Logger,
  loadPolicy,
  type MeshTls,
  type Served,
  serve,
} from "@parley/mesh";
import { type Auth, type CreateAuthOptions, createAuth } from "./auth-module.js";
import type { AuthProcessConfig } from "./config.js";
import { createJwksRoute } from "./jwks-route.js";

export interface AuthServer {
  readonly served: Served;
  readonly auth: Auth;
  close(): Promise<void>;
}

/**
 * Auth on its own server: the mesh runtime around the auth service, the JWKS route, and a token
 * verifier fed from auth's own key ring (no network hop; logout is honoured at once). `tls`
 * switches on mesh mode (mTLS with the service's certificate).
 */
export async function serveAuth(
  config: AuthProcessConfig,
  options: { logger: Logger; tls?: MeshTls } & Omit<CreateAuthOptions, "logger">,
): Promise<AuthServer> {
  const { tls, ...authOptions } = options;
  const auth = await createAuth(config.auth, authOptions);
  const served = await serve({
    name: "auth",
    routes: (router) => router.service(AuthService, auth.service),
    services: [AuthService.typeName],
    policy: loadPolicy(config.mesh.policyFile),
    tokens: createTokenVerifier({
      jwks: () => auth.signingKeys.jwks(),
      isDenied: auth.isTokenDenied,
      minRefreshIntervalMs: 0,
    }),
    logger: options.logger,
    port: config.mesh.port,
    host: config.mesh.host,
    tls,
    http: createJwksRoute(auth.signingKeys),
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

/**
 * The auth service as its own process (local mesh and docker compose): telemetry first, then
 * configuration, adapters and serve(). `npm start` runs auth inside the single process instead.
 */

import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import {
  createLogger,
  createTokenVerifier,
  loadPolicy,
  readMeshCredentials,
  runUntilSignal,
  serve,
  startTracing,
} from "@parley/mesh";
import { createAuth } from "./auth-module.js";
import { loadConfig } from "./config.js";
import { createJwksRoute } from "./jwks-route.js";

const config = loadConfig();
const tracing = startTracing({ serviceName: "auth", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "auth", level: config.mesh.logLevel });

const auth = await createAuth(config.auth, { logger });
const served = await serve({
  name: "auth",
  routes: (router) => router.service(AuthService, auth.service),
  services: [AuthService.typeName],
  policy: loadPolicy(config.mesh.policyFile),
  // auth verifies its own tokens from its own key ring: no network hop, logout honoured at once.
  tokens: createTokenVerifier({
    jwks: () => auth.signingKeys.jwks(),
    isDenied: auth.isTokenDenied,
    minRefreshIntervalMs: 0,
  }),
  logger,
  port: config.mesh.port,
  host: config.mesh.host,
  tls: config.mesh.certsDir ? await readMeshCredentials(config.mesh.certsDir, "auth") : undefined,
  http: createJwksRoute(auth.signingKeys),
});

runUntilSignal(logger, async () => {
  await served.close();
  await auth.close();
  await tracing.shutdown();
});

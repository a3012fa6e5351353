/**
 * Server child: one messaging instance wired exactly as `services/messaging/src/main.ts` wires
 * it in the local mesh, minus signal handling (the runner stops it over IPC): OpenTelemetry's SDK
 * first (no exporter unless OTEL_EXPORTER_OTLP_ENDPOINT is set), `loadConfig()` from the
 * environment the runner passes, auth's JWKS for token verification and auth's LookupUsers as the
 * user directory, `RedisPubSub` as the bus between instances, the Redis presence store, the Redis
 * send limiter when PARLEY_MESSAGING_SEND_LIMIT is not `off` (the bench turns it off), and
 * `serveMessaging()`: the mesh's `serve()` with its interceptor chain on plaintext h2c.
 */

import {
  connectTo,
  createLogger,
  createTokenVerifier,
  RedisPubSub,
  RedisRateLimiter,
  startTracing,
} from "@parley/mesh";
import {
  authJwksSource,
  createAuthUserDirectory,
  createRedisPresenceStore,
  loadConfig,
  serveMessaging,
} from "@parley/messaging";
import { runServerChild } from "../../lib/child-protocol.js";

const config = loadConfig();
const tracing = startTracing({ serviceName: "messaging", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "messaging", level: config.mesh.logLevel });

runServerChild(async () => {
  if (!config.redisUrl) throw new Error("the fan-out bench needs PARLEY_REDIS_URL");
  const authTransport = connectTo({ baseUrl: config.authUrl });
  const tokens = createTokenVerifier({ jwks: authJwksSource(authTransport) });
  const redis = createRedisPresenceStore(config.redisUrl);
  const pubsub = new RedisPubSub({ url: config.redisUrl, logger, connectionName: "messaging-bus" });
  const sendLimit = config.messaging.sendLimit;
  const rateLimiter = sendLimit
    ? new RedisRateLimiter({
        client: redis.redis,
        limit: sendLimit.limit,
        windowMs: sendLimit.windowMs,
        prefix: "parley:messaging:send:",
        logger,
      })
    : undefined;
  const server = await serveMessaging(config, {
    logger,
    tokens,
    pubsub,
    rateLimiter,
    presenceStore: redis.store,
    users: createAuthUserDirectory(authTransport),
  });
  return {
    port: server.served.port,
    async close() {
      await server.close();
      await pubsub.close();
      await redis.redis.quit().catch(() => {});
      await tracing.shutdown();
    },
  };
});

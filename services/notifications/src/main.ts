/**
 * The notifications service as its own process (local mesh and docker compose): telemetry
 * first, then configuration, adapters and serveNotifications(). `npm start` runs notifications
 * inside the single process instead. Several instances may run at once on one database file and
 * one Redis.
 */
import {
  authJwksSource,
  connectTo,
  createLogger,
  createRedisClient,
  createTokenVerifier,
  MemoryPubSub,
  type PubSub,
  RedisPubSub,
  RedisRateLimiter,
  RedisRevokedTokenStore,
  RevokedTokens,
  readMeshCredentials,
  runUntilSignal,
  startTracing,
} from "@parley/mesh";
import { loadConfig } from "./config.js";
import { serveNotifications } from "./notifications-server.js";

const config = loadConfig();
const tracing = startTracing({
  serviceName: "notifications",
  otlpEndpoint: config.mesh.otlpEndpoint,
});
const logger = createLogger({ service: "notifications", level: config.mesh.logLevel });
const { certsDir } = config.mesh;
const tls = certsDir ? await readMeshCredentials(certsDir, "notifications") : undefined;

// Access tokens are verified locally against auth's public keys (GetJwks, a public RPC), fetched
// with the configured deadlines, retries and circuit breaker (PARLEY_CALL_TIMEOUT and friends).
const auth = connectTo({ baseUrl: config.authUrls, tls, logger, ...config.client.resilience });

const pubsub: PubSub = config.redisUrl
  ? new RedisPubSub({ url: config.redisUrl, logger, connectionName: "notifications-bus" })
  : new MemoryPubSub();
const limits = config.redisUrl
  ? createRedisClient(config.redisUrl, { logger, name: "notifications-limits" })
  : undefined;
// Tokens logged out anywhere (auth announces them through Redis) are refused here too.
const revoked = limits
  ? await RevokedTokens.start({ pubsub, store: new RedisRevokedTokenStore(limits), logger })
  : undefined;
const tokens = createTokenVerifier({ jwks: authJwksSource(auth), isDenied: revoked?.isDenied });
const writeLimit = config.notifications.writeLimit;
const rateLimiter =
  limits && writeLimit
    ? new RedisRateLimiter({
        client: limits,
        limit: writeLimit.limit,
        windowMs: writeLimit.windowMs,
        prefix: "parley:notifications:writes:",
        logger,
      })
    : undefined;

const server = await serveNotifications(config, { logger, tls, tokens, pubsub, rateLimiter });
logger.info({ url: server.served.url }, "notifications service listening");

runUntilSignal(logger, async () => {
  await server.close();
  await revoked?.close();
  await pubsub.close();
  limits?.disconnect();
  await tracing.shutdown();
});

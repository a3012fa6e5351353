/**
 * The messaging service as its own process (local mesh and docker compose): telemetry first, then
 * configuration, adapters and serveMessaging(). `npm start` runs messaging inside the single
 * process instead. Several instances may run at once on one database file and one Redis.
 */
import {
  connectTo,
  createLogger,
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
import { authJwksSource } from "./adapters/auth-jwks.js";
import { createAuthUserDirectory } from "./adapters/auth-user-directory.js";
import { createNotificationServiceNotifier } from "./adapters/notification-service-notifier.js";
import { createRedisPresenceStore } from "./adapters/redis-presence-store.js";
import { loadConfig } from "./config.js";
import { serveMessaging } from "./messaging-server.js";

const config = loadConfig();
const tracing = startTracing({ serviceName: "messaging", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "messaging", level: config.mesh.logLevel });
const { certsDir } = config.mesh;
const tls = certsDir ? await readMeshCredentials(certsDir, "messaging") : undefined;

// Deadlines, retries and the circuit breaker as configured (PARLEY_CALL_TIMEOUT and friends).
const peers = { tls, logger, ...config.client.resilience };
const authTransport = connectTo({ baseUrl: config.authUrls, ...peers });

const redis = config.redisUrl ? createRedisPresenceStore(config.redisUrl) : undefined;
const pubsub: PubSub = config.redisUrl
  ? new RedisPubSub({ url: config.redisUrl, logger, connectionName: "messaging-bus" })
  : new MemoryPubSub();
// Tokens logged out anywhere (auth announces them through Redis) are refused here too.
const revoked = redis
  ? await RevokedTokens.start({ pubsub, store: new RedisRevokedTokenStore(redis.redis), logger })
  : undefined;
const tokens = createTokenVerifier({
  jwks: authJwksSource(authTransport),
  isDenied: revoked?.isDenied,
});
const sendLimit = config.messaging.sendLimit;
const rateLimiter =
  redis && sendLimit
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
  tls,
  tokens,
  pubsub,
  rateLimiter,
  presenceStore: redis?.store,
  users: createAuthUserDirectory(authTransport),
  notifier:
    config.notificationsUrls.length > 0
      ? createNotificationServiceNotifier(
          connectTo({ baseUrl: config.notificationsUrls, ...peers }),
        )
      : undefined,
});

runUntilSignal(logger, async () => {
  await server.close();
  await revoked?.close();
  await pubsub.close();
  await redis?.redis.quit().catch(() => {});
  await tracing.shutdown();
});

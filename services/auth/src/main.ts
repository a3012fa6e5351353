/**
 * The auth service as its own process (local mesh and docker compose): telemetry first, then
 * configuration and serveAuth(). `npm start` runs auth inside the single process instead. With
 * Redis, every logout is recorded and announced so that every service refuses the token.
 */
import {
  createLogger,
  createRedisClient,
  RedisPubSub,
  RedisRevokedTokenStore,
  RevokedTokenAnnouncer,
  readMeshCredentials,
  runUntilSignal,
  startTracing,
} from "@parley/mesh";
import { serveAuth } from "./auth-server.js";
import { loadConfig } from "./config.js";

const config = loadConfig();
const tracing = startTracing({ serviceName: "auth", otlpEndpoint: config.mesh.otlpEndpoint });
const logger = createLogger({ service: "auth", level: config.mesh.logLevel });
const { certsDir } = config.mesh;

const bus = config.redisUrl
  ? new RedisPubSub({ url: config.redisUrl, logger, connectionName: "auth-bus" })
  : undefined;
const redis = config.redisUrl
  ? createRedisClient(config.redisUrl, { logger, name: "auth-revocations" })
  : undefined;
const revocations =
  bus && redis
    ? new RevokedTokenAnnouncer({ pubsub: bus, store: new RedisRevokedTokenStore(redis), logger })
    : undefined;

const server = await serveAuth(config, {
  logger,
  tls: certsDir ? await readMeshCredentials(certsDir, "auth") : undefined,
  onAccessTokenDenied: revocations
    ? (tokenId, until) =>
        void revocations
          .revoke({ tokenId, until })
          .catch((err: unknown) =>
            logger.error({ err, tokenId }, "logout not recorded for the mesh"),
          )
    : undefined,
});

runUntilSignal(logger, async () => {
  await server.close();
  await bus?.close();
  redis?.disconnect();
  await tracing.shutdown();
});

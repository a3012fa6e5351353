/**
 * Notifications as the local mesh runs it, inside one test process: a real auth server (mTLS),
 * optionally a real redis-server, and real `serveNotifications` servers on 127.0.0.1:0 sharing one
 * data directory. Each server verifies access tokens from auth's JWKS over mTLS. Tests call the
 * servers with mesh certificates: as a service (`messaging`, `files`, ...) on its own account, or
 * as the `edge` forwarding a person's bearer token, exactly as in the mesh.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CallOptions, type Client, createClient, type Transport } from "@connectrpc/connect";
import { LoggingMailer } from "@parley/auth";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import {
  authJwksSource,
  connectTo,
  createTokenVerifier,
  type MeshTls,
  type MeshTransport,
  type PubSub,
  RedisPubSub,
} from "@parley/mesh";
import { cheapHasher } from "../../../../test/support/auth-e2e.js";
import { captureLogger, startAuthServer } from "../../../../test/support/auth-server.js";
import { createTestPki, type TestPki } from "../../../../test/support/pki.js";
import { type RedisServer, startRedis, waitUntil } from "../../../../test/support/redis.js";
import { loadConfig } from "../../src/config.js";
import { serveNotifications } from "../../src/notifications-server.js";

export interface ClusterOptions {
  /** Notifications instances (default 1). */
  readonly instances?: number;
  /** Start a redis-server and wire every instance to it (default false: in-process bus each). */
  readonly redis?: boolean;
  /** Extra configuration variables for every instance. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ClusterInstance {
  /** `https://localhost:<port>` */
  readonly url: string;
  readonly log: ReturnType<typeof captureLogger>;
  readonly pubsub: PubSub | undefined;
  close(): Promise<void>;
}

/** A person registered with auth, with a client that reaches an instance through the edge. */
export interface ClusterPerson {
  readonly id: string;
  readonly accessToken: string;
  readonly call: CallOptions;
}

export interface NotificationsCluster {
  readonly pki: TestPki;
  readonly redis: RedisServer | undefined;
  readonly instances: readonly ClusterInstance[];
  /** The auth server's base URL. */
  readonly authUrl: string;
  /** A transport to instance `index` presenting mesh identity `identity` (gRPC over mTLS). */
  transport(identity: string, index?: number): Promise<Transport>;
  /** A NotificationService client as mesh identity `identity` on instance `index`. */
  client(identity: string, index?: number): Promise<Client<typeof NotificationService>>;
  /** Registers a new person with auth. */
  register(name: string): Promise<ClusterPerson>;
  close(): Promise<void>;
}

let counter = 0;

export async function startNotificationsCluster(
  options: ClusterOptions = {},
): Promise<NotificationsCluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    const pki = await createTestPki();
    cleanups.push(() => rm(pki.dir, { recursive: true, force: true }));
    const auth = await startAuthServer({
      tls: await pki.credentials("auth"),
      passwordHasher: cheapHasher(),
      mailer: new LoggingMailer(),
      env: {
        PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
        PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
        PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "off",
      },
    });
    cleanups.push(() => rm(auth.dataDir, { recursive: true, force: true }));
    cleanups.push(() => auth.close());
    const redis = options.redis ? await startRedis() : undefined;
    if (redis) cleanups.push(() => redis.close());
    const dataDir = await mkdtemp(join(tmpdir(), "parley-notifications-cluster-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const tls = await pki.credentials("notifications");
    const env: Record<string, string> = {
      PORT: "0",
      HOST: "127.0.0.1",
      PARLEY_NOTIFICATIONS_DATA_DIR: dataDir,
      PARLEY_AUTH_URL: auth.url,
      PARLEY_NOTIFICATIONS_WRITE_LIMIT: "off",
      ...options.env,
    };
    const instances: ClusterInstance[] = [];
    cleanups.push(() => Promise.allSettled(instances.map((i) => i.close())));
    for (let i = 0; i < (options.instances ?? 1); i++) {
      instances.push(await startInstance(`notifications-${i + 1}`, env, tls, auth.url, redis));
    }

    const credentials = new Map<string, MeshTls>();
    const identity = async (name: string) => {
      let found = credentials.get(name);
      if (!found) {
        found = await pki.credentials(name);
        credentials.set(name, found);
      }
      return found;
    };
    // The clients' connections close with the cluster (before the servers, which then need
    // not wait for them to go idle).
    const opened: MeshTransport[] = [];
    cleanups.push(async () => {
      for (const transport of opened.splice(0)) transport.close();
    });
    const open = (transport: MeshTransport) => {
      opened.push(transport);
      return transport;
    };
    const transport = async (name: string, index = 0) => {
      const instance = instances[index];
      if (!instance) throw new Error(`no instance ${index}`);
      return open(
        connectTo({ baseUrl: instance.url, tls: await identity(name), defaultTimeoutMs: 0 }),
      );
    };
    const edgeAuth = createClient(
      AuthService,
      open(connectTo({ baseUrl: auth.url, tls: await identity("edge") })),
    );
    return {
      pki,
      redis,
      instances,
      authUrl: auth.url,
      transport,
      client: async (name, index) =>
        createClient(NotificationService, await transport(name, index)),
      async register(name) {
        const username = `${name}-${process.pid}-${++counter}`.slice(0, 32);
        const { session } = await edgeAuth.register({
          username,
          email: `${username}@example.com`,
          password: "correct horse battery staple",
        });
        if (!session?.user || !session.accessToken) throw new Error("register returned no session");
        return {
          id: session.user.id,
          accessToken: session.accessToken,
          call: { headers: { authorization: `Bearer ${session.accessToken}` } },
        };
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** One notifications server wired as main.ts wires it (JWKS over mTLS, Redis bus when given). */
async function startInstance(
  name: string,
  env: Readonly<Record<string, string>>,
  tls: MeshTls,
  authUrl: string,
  redis: RedisServer | undefined,
): Promise<ClusterInstance> {
  const config = loadConfig({ ...env, ...(redis ? { PARLEY_REDIS_URL: redis.url } : {}) });
  const log = captureLogger(name);
  const toAuth = connectTo({ baseUrl: authUrl, tls });
  const tokens = createTokenVerifier({ jwks: authJwksSource(toAuth) });
  const pubsub = config.redisUrl
    ? new RedisPubSub({ url: config.redisUrl, logger: log.logger, connectionName: `${name}-bus` })
    : undefined;
  try {
    if (pubsub) await waitUntil(() => pubsub.connected, `${name} connected to Redis`);
    const server = await serveNotifications(config, { logger: log.logger, tls, tokens, pubsub });
    let closing: Promise<void> | undefined;
    return {
      url: `https://localhost:${server.served.port}`,
      log,
      pubsub,
      close() {
        closing ??= (async () => {
          try {
            await server.close();
          } finally {
            toAuth.close();
            await pubsub?.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    toAuth.close();
    await pubsub?.close();
    throw err;
  }
}

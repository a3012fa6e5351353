/**
 * A scaled-out messaging tier as the local mesh runs it, inside one test process: a real auth
 * server, a real redis-server, and several real `serveMessaging` servers on 127.0.0.1:0 that
 * share one SQLite data directory (their durable state) and one Redis (fan-out, the Send rate
 * limit, presence). Each instance verifies access tokens from auth's JWKS and looks people up
 * with auth's LookupUsers, both over the network.
 *
 * Auth runs in mesh mode (mTLS): LookupUsers is a `user` RPC that messaging calls on its own
 * account, which the policy grants to the `messaging` identity only, so messaging reaches auth
 * with its mesh certificate (as in the local mesh), and tests register people through the `edge`
 * identity. The messaging servers themselves are plaintext (h2c + HTTP/1.1), so tests talk to
 * them with ordinary gRPC and Connect clients and a bearer token.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CallOptions, type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { LoggingMailer } from "@parley/auth";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import {
  MembershipChange,
  type MessagingEvent,
  RecoveryStatus,
  type SubscribedChannel,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import {
  connectTo,
  createRedisClient,
  createTokenVerifier,
  type PubSub,
  RedisPubSub,
  RedisRateLimiter,
} from "@parley/mesh";
import {
  authJwksSource,
  createAuthUserDirectory,
  createRedisPresenceStore,
  loadConfig,
  type MessagingServer,
  serveMessaging,
} from "@parley/messaging";
import { cheapHasher } from "./auth-e2e.js";
import { captureLogger, startAuthServer } from "./auth-server.js";
import { createTestPki } from "./pki.js";
import { type RedisServer, startRedis, waitUntil } from "./redis.js";
import { StreamReader } from "./stream-reader.js";

/** How long a test waits for an event or a condition: a safety net, never a timing assertion. */
export const WAIT_MS = 15_000;

export interface MessagingClusterOptions {
  /** Messaging instances started up front (default 2); more with `startInstance()`. */
  readonly instances?: number;
  /** Start a redis-server and wire every instance to it (default true); false: in-process bus. */
  readonly redis?: boolean;
  /** Messaging configuration variables for every instance (e.g. the Send limit). */
  readonly env?: Readonly<Record<string, string>>;
}

/** One running messaging server and what it was built from. */
export interface MessagingInstance {
  readonly name: string;
  readonly server: MessagingServer;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** gRPC over h2c. */
  readonly client: Client<typeof MessagingService>;
  /** The Connect protocol with JSON over HTTP/1.1 (what browsers speak). */
  readonly jsonClient: Client<typeof MessagingService>;
  /** The instance's `RedisPubSub`; undefined without Redis (the module then runs its own in-process bus). */
  readonly pubsub: PubSub | undefined;
  /** The instance's JSON log lines (info and above). */
  readonly log: ReturnType<typeof captureLogger>;
  /**
   * Whether every Redis connection of the instance is up: the bus (subscribed again to every
   * topic), the rate limiter's client and the presence store's. False without Redis.
   */
  redisConnected(): boolean;
  /** Graceful stop of the server, then its Redis connections. Idempotent. */
  close(): Promise<void>;
}

/** A person registered with auth, and call options that sign calls in as them. */
export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly accessToken: string;
  readonly call: CallOptions;
}

export interface MessagingCluster {
  readonly redis: RedisServer | undefined;
  /** The instances started up front. */
  readonly instances: readonly MessagingInstance[];
  /** `instances[index]`, or a thrown error when there is no such instance. */
  instance(index: number): MessagingInstance;
  /** The auth server's base URL (mTLS). */
  readonly authUrl: string;
  /** Auth, called as the `edge` mesh identity (what a person's calls come through). */
  readonly auth: Client<typeof AuthService>;
  /** The first account registered, an admin (so every `register()`ed person is a plain member). */
  readonly admin: TestUser;
  /** Another instance on the same data directory and Redis. Closed with the cluster. */
  startInstance(): Promise<MessagingInstance>;
  /** Registers a new person with auth (names get a unique suffix). */
  register(name: string): Promise<TestUser>;
  /** Stops every instance, auth and Redis, and removes the temporary directories. */
  close(): Promise<void>;
}

let userCounter = 0;

/**
 * Starts auth, Redis (unless `redis: false`) and `instances` messaging servers. Call `close()`
 * from `test.after.always`: it also stops the redis-server.
 */
export async function startMessagingCluster(
  options: MessagingClusterOptions = {},
): Promise<MessagingCluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch(() => {});
    }
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
    const redis = options.redis === false ? undefined : await startRedis();
    if (redis) cleanups.push(() => redis.close());
    const dataDir = await mkdtemp(join(tmpdir(), "parley-messaging-cluster-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const messagingTls = await pki.credentials("messaging");
    const edge = createClient(
      AuthService,
      connectTo({ baseUrl: auth.url, tls: await pki.credentials("edge") }),
    );
    const env: Record<string, string> = {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      PARLEY_MESSAGING_DATA_DIR: dataDir,
      PARLEY_AUTH_URL: auth.url,
      PARLEY_MESSAGING_HEARTBEAT_INTERVAL: "2s",
      PARLEY_MESSAGING_HOUSEKEEPING_INTERVAL: "1s",
      ...(redis ? { PARLEY_REDIS_URL: redis.url } : {}),
      ...options.env,
    };

    const all: MessagingInstance[] = [];
    cleanups.push(() => Promise.allSettled(all.map((instance) => instance.close())));
    const startInstance = async (): Promise<MessagingInstance> => {
      const instance = await startMessagingInstance(`messaging-${all.length + 1}`, env, {
        authUrl: auth.url,
        tls: messagingTls,
      });
      all.push(instance);
      return instance;
    };
    for (let i = 0; i < (options.instances ?? 2); i++) await startInstance();

    const register = async (name: string): Promise<TestUser> => {
      const username = `${name}-${process.pid}-${++userCounter}`.slice(0, 32);
      const { session } = await edge.register({
        username,
        email: `${username}@example.com`,
        password: "correct horse battery staple",
      });
      const user = session?.user;
      if (!user || !session.accessToken) throw new Error("register returned no session");
      return {
        id: user.id,
        username: user.username,
        accessToken: session.accessToken,
        call: { headers: { authorization: `Bearer ${session.accessToken}` } },
      };
    };
    const admin = await register("admin");

    const instances = [...all];
    return {
      redis,
      instances,
      instance(index) {
        const found = instances[index];
        if (!found) throw new Error(`the cluster has no instance ${index}`);
        return found;
      },
      authUrl: auth.url,
      auth: edge,
      admin,
      startInstance,
      register,
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** One messaging server wired as messaging's main.ts wires it. */
async function startMessagingInstance(
  name: string,
  env: Readonly<Record<string, string>>,
  auth: { readonly authUrl: string; readonly tls: Parameters<typeof connectTo>[0]["tls"] },
): Promise<MessagingInstance> {
  const config = loadConfig(env);
  const log = captureLogger(name);
  const logger = log.logger;
  const authTransport = connectTo({ baseUrl: auth.authUrl, tls: auth.tls });
  const tokens = createTokenVerifier({ jwks: authJwksSource(authTransport) });

  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0)) await close().catch(() => {});
  };
  let pubsub: RedisPubSub | undefined;
  let rateLimiter: RedisRateLimiter | undefined;
  let presence: ReturnType<typeof createRedisPresenceStore> | undefined;
  let redisConnected = () => false;
  try {
    if (config.redisUrl) {
      const url = config.redisUrl;
      const bus = new RedisPubSub({ url, logger, connectionName: `${name}-bus` });
      pubsub = bus;
      const limits = createRedisClient(url, { logger, name: `${name}-limits` });
      const store = createRedisPresenceStore(url);
      presence = store;
      // Closed after the server (in this order): the module does not own what it is given.
      closers.push(
        () => bus.close(),
        async () => limits.disconnect(),
        async () => store.redis.disconnect(),
      );
      const sendLimit = config.messaging.sendLimit;
      if (sendLimit) {
        rateLimiter = new RedisRateLimiter({
          client: limits,
          limit: sendLimit.limit,
          windowMs: sendLimit.windowMs,
          prefix: "parley:messaging:send:",
          logger,
        });
      }
      redisConnected = () =>
        bus.connected && limits.status === "ready" && store.redis.status === "ready";
      // Start on a connected bus, limiter and presence store, so the first calls take the
      // paths under test rather than their fail-open fallbacks.
      await waitUntil(redisConnected, `${name} connected to Redis`, WAIT_MS);
    }
    const server = await serveMessaging(config, {
      logger,
      tokens,
      users: createAuthUserDirectory(authTransport),
      pubsub,
      rateLimiter,
      presenceStore: presence?.store,
    });
    const baseUrl = `http://127.0.0.1:${server.served.port}`;
    let closing: Promise<void> | undefined;
    return {
      name,
      server,
      baseUrl,
      client: createClient(MessagingService, createGrpcTransport({ baseUrl })),
      jsonClient: createClient(
        MessagingService,
        createConnectTransport({ baseUrl, httpVersion: "1.1" }),
      ),
      pubsub,
      log,
      redisConnected: () => redisConnected(),
      close() {
        closing ??= (async () => {
          try {
            await server.close();
          } finally {
            await closeAll();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

// ---- Streams ----

type EventCase = NonNullable<MessagingEvent["payload"]["case"]>;
export type EventOf<K extends EventCase> = MessagingEvent & {
  payload: Extract<MessagingEvent["payload"], { case: K }>;
};

/** A client's position in one channel, as it would send it back in SubscribeRequest. */
export interface Position {
  readonly channelId: string;
  readonly epoch: string;
  readonly offset: bigint;
}

/**
 * A Subscribe stream read in the background, the way a client applies it: `next()` hands out
 * events one by one in arrival order (for exact sequences), and `positions()` says what the
 * client would send back to recover (the last applied epoch and offset per channel, following
 * events.proto: `subscribed`, durable events, `channel_reset`, leaving and deletion).
 */
export class EventStream extends StreamReader<MessagingEvent> {
  readonly userId: string;
  readonly #positions = new Map<string, { epoch: string; offset: bigint }>();

  constructor(client: Client<typeof MessagingService>, user: TestUser, positions: Position[] = []) {
    super(
      (signal) =>
        client.subscribe({ positions: positions.map((p) => ({ ...p })) }, { ...user.call, signal }),
      { waitMs: WAIT_MS },
    );
    this.userId = user.id;
    for (const p of positions)
      this.#positions.set(p.channelId, { epoch: p.epoch, offset: p.offset });
  }

  /** Opens a stream and waits for its `subscribed` event. */
  static async open(
    client: Client<typeof MessagingService>,
    user: TestUser,
    positions: Position[] = [],
  ): Promise<{ stream: EventStream; subscribed: EventOf<"subscribed">["payload"]["value"] }> {
    const stream = new EventStream(client, user, positions);
    const subscribed = await stream.firstSubscribed();
    return { stream, subscribed: subscribed.payload.value };
  }

  /** What the client would send back to recover, for every channel it follows. */
  positions(): Position[] {
    return [...this.#positions].map(([channelId, p]) => ({ channelId, ...p }));
  }

  /**
   * The next `count` durable events (offset above 0), of `channelId` only when given (others
   * skipped). Each event may take up to {@link WAIT_MS} to arrive (heartbeats do not count).
   */
  async durable(count: number, channelId?: string): Promise<MessagingEvent[]> {
    const found: MessagingEvent[] = [];
    let deadline = Date.now() + WAIT_MS;
    while (found.length < count) {
      const what = `durable event ${found.length + 1} of ${count}`;
      const event = await this.nextRaw(deadline, what);
      if (event.offset > 0n && (channelId === undefined || event.channelId === channelId)) {
        found.push(event);
        deadline = Date.now() + WAIT_MS;
      }
    }
    return found;
  }

  /** Every durable event of `channelId` received so far (read or not). */
  received(channelId: string): MessagingEvent[] {
    return this.events.filter((e) => e.offset > 0n && e.channelId === channelId);
  }

  /** Each event moves the positions as it arrives. */
  protected override onEvent(event: MessagingEvent): void {
    this.#apply(event);
  }

  #apply(event: MessagingEvent): void {
    const payload = event.payload;
    switch (payload.case) {
      case "subscribed":
        for (const channel of payload.value.channels) this.#applySubscribed(channel);
        for (const id of payload.value.goneChannelIds) this.#positions.delete(id);
        return;
      case "channelReset":
        this.#positions.set(event.channelId, {
          epoch: payload.value.epoch,
          offset: payload.value.offset,
        });
        return;
      default:
        break;
    }
    if (event.offset === 0n) return;
    const leaves =
      payload.case === "channelDeleted" ||
      (payload.case === "membershipChanged" &&
        payload.value.userId === this.userId &&
        (payload.value.change === MembershipChange.LEFT ||
          payload.value.change === MembershipChange.REMOVED));
    if (leaves) this.#positions.delete(event.channelId);
    else this.#positions.set(event.channelId, { epoch: event.epoch, offset: event.offset });
  }

  #applySubscribed(channel: SubscribedChannel): void {
    // RECOVERED: the client keeps its position; the replayed events move it.
    if (channel.recovery === RecoveryStatus.RECOVERED && this.#positions.has(channel.channelId)) {
      return;
    }
    this.#positions.set(channel.channelId, { epoch: channel.epoch, offset: channel.offset });
  }
}

let channelCounter = 0;

/** Creates a channel (public unless told) as `owner`, with `members`, under a unique name. */
export async function createChannel(
  client: Client<typeof MessagingService>,
  owner: TestUser,
  options: { readonly kind?: ChannelKind; readonly members?: readonly TestUser[] } = {},
) {
  const res = await client.createChannel(
    {
      kind: options.kind ?? ChannelKind.PUBLIC,
      name: `cluster-${process.pid}-${++channelCounter}`,
      memberUserIds: (options.members ?? []).map((m) => m.id),
    },
    owner.call,
  );
  const channel = res.channel?.channel;
  if (!channel) throw new Error("createChannel returned no channel");
  return channel;
}

/** Sends a message with a fresh idempotency key and returns it as stored. */
export async function send(
  client: Client<typeof MessagingService>,
  author: TestUser,
  channelId: string,
  text: string,
) {
  const res = await client.sendMessage(
    { channelId, text, idempotencyKey: randomUUID() },
    author.call,
  );
  if (!res.message) throw new Error("sendMessage returned no message");
  return res.message;
}

/** Offsets as numbers, to compare with {@link run}. */
export function offsets(events: readonly MessagingEvent[]): number[] {
  return events.map((e) => Number(e.offset));
}

/** `count` consecutive numbers after `after`: the offsets a gapless stream delivers. */
export function run(after: bigint | number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number(after) + i + 1);
}

/** The channel's offset in a `subscribed` event. */
export function startOffset(
  subscribed: EventOf<"subscribed">["payload"]["value"],
  channelId: string,
): bigint {
  const channel = subscribed.channels.find((c) => c.channelId === channelId);
  if (!channel) throw new Error(`subscribed does not list channel ${channelId}`);
  return channel.offset;
}

/** The text of a message_created event (undefined for other events). */
export function createdText(event: MessagingEvent): string | undefined {
  return event.payload.case === "messageCreated" ? event.payload.value.message?.text : undefined;
}

export { rejection } from "./auth-e2e.js";

export { waitUntil };

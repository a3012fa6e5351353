import { join } from "node:path";
import type { ServiceImpl, Transport } from "@connectrpc/connect";
import type { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import { MemoryPubSub, MemoryRateLimiter } from "@parley/mesh";
import { HttpsPushTransport } from "./adapters/https-push-transport.js";
import {
  openSqliteNotificationsStore,
  type SqliteNotificationsStore,
} from "./adapters/sqlite-notifications-store.js";
import type { NotificationsConfig } from "./config.js";
import * as errors from "./errors.js";
import { createInProcessTransport } from "./in-process-transport.js";
import { MAX_CHANNEL_MUTES } from "./limits.js";
import { NotificationHub } from "./live/hub.js";
import type { Clock, Logger, PruneResult, PubSub, PushTransport, RateLimiter } from "./ports.js";
import { PushDispatcher } from "./push/push-dispatcher.js";
import { generateVapidKeyPair, VapidSigner } from "./push/vapid.js";
import { createNotificationService } from "./service.js";

/** File name of the notifications database inside `NotificationsConfig.dataDir`. */
export const NOTIFICATIONS_DATABASE_FILE = "notifications.db";

/** What `createNotifications` is wired to; everything has a single-process default. */
export interface CreateNotificationsOptions {
  readonly logger?: Logger | undefined;
  /**
   * The bus between instances. Default: an in-process {@link MemoryPubSub} (one instance), which
   * `close()` closes; a passed-in bus is the caller's to close.
   */
  readonly pubsub?: PubSub | undefined;
  /**
   * The limiter of the RPCs that write (e.g. a `RedisRateLimiter` shared by instances, sized
   * from `config.writeLimit`). Default: in memory from `config.writeLimit`; none when that is off.
   */
  readonly rateLimiter?: RateLimiter | undefined;
  /** How Web Push requests leave. Default: HTTPS (public addresses only, unless configured). */
  readonly pushTransport?: PushTransport | undefined;
  /** Default: the wall clock. */
  readonly clock?: Clock | undefined;
}

/** A running notifications module: what the single-process server and the service's main wire. */
export interface Notifications {
  /** Register with `router.service(NotificationService, notifications.service)`. */
  readonly service: ServiceImpl<typeof NotificationService>;
  /** This instance's live fan-out. */
  readonly hub: NotificationHub;
  /** The Web Push sender (`kick()` sends what is due now). */
  readonly push: PushDispatcher;
  /** The database, for tests and tooling. */
  readonly store: SqliteNotificationsStore;
  /**
   * A transport to this service in memory, calling as the mesh service `caller` (single
   * process: how messaging reaches Notify).
   */
  inProcessTransport(caller: string): Transport;
  /** Applies retention: old read notifications, old notifications, expired keys and mutes. */
  housekeeping(): Promise<PruneResult>;
  /** Ends open streams (`unavailable`), stops timers and closes what it opened. Idempotent. */
  close(): Promise<void>;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const wallClock: Clock = { now: () => Date.now() };

/**
 * Builds the notifications service from its configuration: opens `<dataDir>/notifications.db`
 * (several instances may share it), makes sure a VAPID key exists, subscribes this instance's hub
 * to the bus and starts the Web Push sender. Timers are `unref`'d, so they never keep a process
 * alive on their own.
 */
export async function createNotifications(
  config: NotificationsConfig,
  options: CreateNotificationsOptions = {},
): Promise<Notifications> {
  const clock = options.clock ?? wallClock;
  const logger = options.logger ?? silentLogger;
  const ownPubSub = options.pubsub === undefined;
  const pubsub = options.pubsub ?? new MemoryPubSub();
  const store = openSqliteNotificationsStore(
    config.dataDir === ":memory:" ? ":memory:" : join(config.dataDir, NOTIFICATIONS_DATABASE_FILE),
    { maxChannelMutes: MAX_CHANNEL_MUTES },
  );
  const hub = new NotificationHub({ pubsub, logger });
  const ownTransport = options.pushTransport === undefined;
  const pushTransport =
    options.pushTransport ??
    new HttpsPushTransport({ allowPrivateNetworks: config.push.allowPrivateNetworks });
  let push: PushDispatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const release = async () => {
    clearInterval(timer);
    await push?.close();
    await hub.close(errors.shuttingDown());
    if (ownPubSub) await pubsub.close();
    if (ownTransport && pushTransport instanceof HttpsPushTransport) pushTransport.close();
    store.close();
  };
  try {
    const vapidKeys = await store.push.getOrCreate(generateVapidKeyPair);
    const dispatcher = new PushDispatcher({
      outbox: store.push,
      transport: pushTransport,
      vapid: new VapidSigner(vapidKeys, config.push.vapidSubject),
      clock,
      logger,
      ttlSeconds: config.push.ttlSeconds,
      requestTimeoutMs: config.push.requestTimeoutMs,
      pollIntervalMs: config.push.pollIntervalMs,
      maxAttempts: config.push.maxAttempts,
    });
    push = dispatcher;
    await hub.start();
    const writeLimiter =
      options.rateLimiter ??
      (config.writeLimit
        ? new MemoryRateLimiter({ ...config.writeLimit, now: () => clock.now() })
        : undefined);
    const service = createNotificationService({
      inbox: store.inbox,
      preferences: store.preferences,
      pushSubscriptions: store.push,
      hub,
      vapidPublicKey: vapidKeys.publicKey,
      onPushQueued: () => void dispatcher.kick(),
      writeLimiter,
      clock,
      logger,
      settings: {
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        streamQueueLimit: config.streamQueueLimit,
        pushTtlMs: config.push.ttlSeconds * 1000,
        pushEnabled: config.push.enabled,
      },
    });
    if (config.push.enabled) dispatcher.start();

    const housekeeping = async (): Promise<PruneResult> => {
      const now = clock.now();
      const pruned = await store.inbox.prune({
        readBefore: now - config.readRetentionMs,
        allBefore: now - config.retentionMs,
        keysBefore: now - config.idempotencyTtlMs,
        now,
      });
      if (pruned.notifications + pruned.keys + pruned.subscriptions > 0) {
        logger.debug(pruned, "notifications retention pruned");
      }
      return pruned;
    };
    timer = setInterval(() => {
      housekeeping().catch((err: unknown) =>
        logger.error({ err }, "notifications housekeeping failed"),
      );
    }, config.housekeepingIntervalMs);
    timer.unref();

    let closed = false;
    return {
      service,
      hub,
      push: dispatcher,
      store,
      inProcessTransport: (caller) => createInProcessTransport(service, caller),
      housekeeping,
      async close() {
        if (closed) return;
        closed = true;
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}

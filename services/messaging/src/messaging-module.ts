import { join } from "node:path";
import type { ServiceImpl } from "@connectrpc/connect";
import type { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { type Admission, MemoryPubSub, MemoryRateLimiter } from "@parley/mesh";
import { LoggingNotifier } from "./adapters/logging-notifier.js";
import { MemoryPresenceStore } from "./adapters/memory-presence-store.js";
import {
  openSqliteMessagingStore,
  type SqliteMessagingStore,
} from "./adapters/sqlite-messaging-store.js";
import { systemClock } from "./adapters/system-clock.js";
import { BackgroundWork } from "./background-work.js";
import type { MessagingConfig } from "./config.js";
import { encodeChannelEvent } from "./event-codec.js";
import { EventPublisher } from "./event-publisher.js";
import { MAX_MEMBERSHIPS, PRESENCE_REFRESH_MS, PRESENCE_TTL_MS } from "./limits.js";
import { Hub } from "./live/hub.js";
import { NotificationRelay } from "./notification-relay.js";
import type {
  Clock,
  Logger,
  Notifier,
  PresenceStore,
  PubSub,
  RateLimiter,
  UserDirectory,
} from "./ports.js";
import { PresenceTracker } from "./presence/presence-tracker.js";
import { SendsInHand } from "./sends-in-hand.js";
import { createMessagingService } from "./service.js";
import { TypingThrottle } from "./typing-throttle.js";

/** File name of messaging's database inside `MessagingConfig.dataDir`. */
export const MESSAGING_DATABASE_FILE = "messaging.db";

/** What `createMessaging` is wired to; everything but `users` has a single-process default. */
export interface CreateMessagingOptions {
  /** People, from auth (mentions, checking that added users exist, notification titles). */
  readonly users: UserDirectory;
  readonly logger?: Logger | undefined;
  /**
   * The bus between instances. Default: an in-process {@link MemoryPubSub} (one instance), which
   * `close()` closes; a passed-in bus is the caller's to close.
   */
  readonly pubsub?: PubSub | undefined;
  /**
   * The SendMessage limiter (e.g. a `RedisRateLimiter` shared by instances, sized from
   * `config.sendLimit`). Default: in memory from `config.sendLimit`; none when that is off.
   */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Where owed notifications go. Default: they are logged (no notifications service). */
  readonly notifier?: Notifier | undefined;
  /** Shared presence (e.g. `RedisPresenceStore`). Default: in memory (one instance). */
  readonly presenceStore?: PresenceStore | undefined;
  /** Default: the wall clock. */
  readonly clock?: Clock | undefined;
}

/** A running messaging module: what the single-process server and messaging's main wire up. */
export interface Messaging {
  /** Register with `router.service(MessagingService, messaging.service)`. */
  readonly service: ServiceImpl<typeof MessagingService>;
  /** This instance's live fan-out (open streams, bus subscription, resync). */
  readonly hub: Hub;
  /** Presence of this instance's streams; `refresh()` is what its timer runs. */
  readonly presence: PresenceTracker;
  /** The database, for tests and tooling. */
  readonly store: SqliteMessagingStore;
  /** For serve(): sheds SendMessage before it is read while the instance is full. */
  readonly admit: Admission;
  /**
   * Sends the owed notifications that are due now (those of every call answered so far among
   * them) and resolves once the notifier has answered for each, or the try failed and was put
   * back for later: they are sent after the call's own answer, from the outbox.
   */
  notificationsSent(): Promise<void>;
  /** Prunes expired events, idempotency keys and deleted channels' remains. */
  housekeeping(): Promise<void>;
  /** Ends open streams (`unavailable`), stops timers and closes what it opened. Idempotent. */
  close(): Promise<void>;
}

/** How often each instance looks for owed notifications that fell due (retries, orphans). */
const NOTIFICATION_RETRY_POLL_MS = 5_000;

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Builds messaging from its configuration: opens `<dataDir>/messaging.db` (several instances may
 * share it), subscribes this instance's hub to the bus, and returns the service. Timers are
 * `unref`'d, so they never keep a process alive on their own.
 */
export async function createMessaging(
  config: MessagingConfig,
  options: CreateMessagingOptions,
): Promise<Messaging> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const ownPubSub = options.pubsub === undefined;
  const pubsub = options.pubsub ?? new MemoryPubSub();
  // Durable events are published from the store's commit hook: right after their transaction
  // commits, in commit order, whichever handler wrote them.
  let publisher: EventPublisher | undefined;
  let relay: NotificationRelay | undefined;
  const store = openSqliteMessagingStore(
    config.dataDir === ":memory:" ? ":memory:" : join(config.dataDir, MESSAGING_DATABASE_FILE),
    {
      encode: encodeChannelEvent,
      retainEvents: config.eventRetentionCount,
      maxMemberships: MAX_MEMBERSHIPS,
      onCommitted: (events) => {
        try {
          publisher?.durable(events);
        } catch (err) {
          // The writes are committed and answered; a fan-out failure must not take the process.
          logger.error({ err }, "announcing committed events failed");
        }
      },
      onOwed: () => relay?.kick(),
      checkpointer: {
        onError: (message) => logger.warn({ error: message }, "WAL checkpoint failed"),
      },
    },
  );
  const hub = new Hub({ pubsub, log: store.events, channels: store.channels, logger });
  publisher = new EventPublisher(pubsub, hub, logger);
  const presence = new PresenceTracker({
    store: options.presenceStore ?? new MemoryPresenceStore(),
    pubsub,
    clock,
    logger,
    ttlMs: PRESENCE_TTL_MS,
    refreshMs: PRESENCE_REFRESH_MS,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await hub.start();
    await presence.start();
    const sendLimiter =
      options.rateLimiter ??
      (config.sendLimit
        ? new MemoryRateLimiter({ ...config.sendLimit, now: () => clock.now() })
        : undefined);
    const sendsInHand = new SendsInHand(config.maxSendsInFlight);
    const background = new BackgroundWork();
    relay = new NotificationRelay({
      outbox: store.outbox,
      messages: store.messages,
      channels: store.channels,
      users: options.users,
      notifier: options.notifier ?? new LoggingNotifier(logger),
      clock,
      logger,
      background,
    });
    relay.start(NOTIFICATION_RETRY_POLL_MS);
    // What an earlier run of this instance (or a dead one) left owed, once its hold has run out.
    relay.kick();
    const service = createMessagingService({
      channels: store.channels,
      messages: store.messages,
      events: store.events,
      hub,
      publisher,
      presence,
      typing: new TypingThrottle(),
      users: options.users,
      sendLimiter,
      sendsInHand,
      clock,
      logger,
      settings: {
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        eventRetentionCount: config.eventRetentionCount,
        eventRetentionMs: config.eventRetentionMs,
        streamQueueLimit: config.streamQueueLimit,
      },
    });

    const housekeeping = async (): Promise<void> => {
      const now = clock.now();
      const pruned = await store.events.prune({
        eventsBefore: now - config.eventRetentionMs,
        keysBefore: now - config.idempotencyTtlMs,
      });
      if (pruned.events + pruned.keys + pruned.channels > 0) {
        logger.debug(pruned, "messaging retention pruned");
      }
    };
    timer = setInterval(() => {
      housekeeping().catch((err: unknown) =>
        logger.error({ err }, "messaging housekeeping failed"),
      );
    }, config.housekeepingIntervalMs);
    timer.unref();

    let closed = false;
    return {
      service,
      hub,
      presence,
      store,
      admit: sendsInHand.admission(),
      notificationsSent: () => {
        relay?.kick();
        return background.settled();
      },
      housekeeping,
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        relay?.close();
        publisher?.close();
        try {
          await hub.close();
          await presence.close();
          if (ownPubSub) await pubsub.close();
        } finally {
          await store.close();
        }
      },
    };
  } catch (err) {
    clearInterval(timer);
    relay?.close();
    publisher.close();
    await hub.close();
    await presence.close();
    if (ownPubSub) await pubsub.close();
    await store.close();
    throw err;
  }
}

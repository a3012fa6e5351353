/**
 * `@parley/messaging`: channels, messages, threads, reactions, read state, typing, presence and
 * the live Subscribe stream with offset recovery and fan-out across instances. Composition roots
 * use {@link createMessaging} (or {@link serveMessaging} for a process of its own); tests and
 * other wirings can assemble {@link createMessagingService} from the ports and adapters here.
 */
export { authJwksSource } from "./adapters/auth-jwks.js";
export {
  AuthUserDirectory,
  createAuthUserDirectory,
} from "./adapters/auth-user-directory.js";
export { LoggingNotifier } from "./adapters/logging-notifier.js";
export { MemoryPresenceStore } from "./adapters/memory-presence-store.js";
export {
  createNotificationServiceNotifier,
  NotificationServiceNotifier,
} from "./adapters/notification-service-notifier.js";
export {
  createRedisPresenceStore,
  RedisPresenceStore,
  type RedisPresenceStoreOptions,
} from "./adapters/redis-presence-store.js";
export {
  openSqliteMessagingStore,
  type SqliteMessagingStore,
  type SqliteMessagingStoreOptions,
} from "./adapters/sqlite-messaging-store.js";
export { systemClock } from "./adapters/system-clock.js";
export {
  loadConfig,
  loadMessagingConfig,
  type MessagingConfig,
  MessagingConfigError,
  type MessagingProcessConfig,
  type RateRule,
} from "./config.js";
export { decodeEvent, encodeChannelEvent } from "./event-codec.js";
export { EventPublisher, type LocalDispatch } from "./event-publisher.js";
export * as limits from "./limits.js";
export { Hub, type HubOptions } from "./live/hub.js";
export { Subscriber } from "./live/subscriber.js";
export {
  CHANNEL_EVENTS_TOPIC,
  PRESENCE_TOPIC,
  USER_EVENTS_TOPIC,
} from "./live/topics.js";
export {
  type CreateMessagingOptions,
  createMessaging,
  MESSAGING_DATABASE_FILE,
  type Messaging,
} from "./messaging-module.js";
export {
  type MessagingServer,
  type ServeMessagingOptions,
  serveMessaging,
} from "./messaging-server.js";
export type * from "./ports.js";
export { PresenceTracker, type PresenceTrackerOptions } from "./presence/presence-tracker.js";
export {
  createMessagingService,
  type MessagingServiceDeps,
  type MessagingServiceSettings,
} from "./service.js";

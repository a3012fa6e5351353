/**
 * `@parley/notifications`: each person's inbox, its live stream across instances, preferences,
 * Web Push (RFC 8291 encryption, RFC 8292 VAPID) and the idempotent Notify other services call.
 * Composition roots use {@link createNotifications} (or {@link serveNotifications} for a process
 * of its own); tests and other wirings can assemble {@link createNotificationService} from the
 * ports and adapters here.
 */
export {
  HttpsPushTransport,
  type HttpsPushTransportOptions,
  isNonPublicAddress,
} from "./adapters/https-push-transport.js";
export {
  openSqliteNotificationsStore,
  type SqliteNotificationsStore,
  type SqliteNotificationsStoreOptions,
} from "./adapters/sqlite-notifications-store.js";
export {
  loadConfig,
  loadNotificationsConfig,
  type NotificationsConfig,
  NotificationsConfigError,
  type NotificationsProcessConfig,
  type PushConfig,
} from "./config.js";
export { createInProcessTransport } from "./in-process-transport.js";
export { KIND_NAMES, kindFromProto, kindToProto } from "./kinds.js";
export * as limits from "./limits.js";
export { NotificationHub, type NotificationHubOptions } from "./live/hub.js";
export { NotificationStream } from "./live/notification-stream.js";
export { USER_EVENTS_TOPIC } from "./live/topics.js";
export {
  type CreateNotificationsOptions,
  createNotifications,
  NOTIFICATIONS_DATABASE_FILE,
  type Notifications,
} from "./notifications-module.js";
export {
  type NotificationsServer,
  type ServeNotificationsOptions,
  serveNotifications,
} from "./notifications-server.js";
export type * from "./ports.js";
export { decide, defaultPreferences } from "./preferences.js";
export {
  type DeliveryOutcome,
  PushDispatcher,
  type PushDispatcherOptions,
} from "./push/push-dispatcher.js";
export { MAX_PUSH_PLAINTEXT, pushPayload } from "./push/push-payload.js";
export { generateVapidKeyPair, VapidSigner } from "./push/vapid.js";
export {
  decodePushKeys,
  encryptPushPayload,
  InvalidPushKeysError,
  type PushKeys,
} from "./push/web-push-encryption.js";
export {
  createNotificationService,
  type NotificationServiceDeps,
  type NotificationServiceSettings,
} from "./service.js";

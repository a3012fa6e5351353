import type { ServiceImpl } from "@connectrpc/connect";
import type { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import type { NotificationServiceDeps } from "./handlers/context.js";
import { inboxHandlers } from "./handlers/inbox-handlers.js";
import { notifyHandler } from "./handlers/notify-handler.js";
import { preferenceHandlers } from "./handlers/preference-handlers.js";
import { pushHandlers } from "./handlers/push-handlers.js";
import { subscribeHandler } from "./handlers/subscribe-handler.js";

export type { NotificationServiceDeps, NotificationServiceSettings } from "./handlers/context.js";

/**
 * `parley.notifications.v1.NotificationService`: each person's inbox and live stream, Web Push
 * subscriptions, preferences, and Notify for mesh services.
 *
 * Each method is authorize → port → map, grouped by concern in `handlers/`. The mesh validates
 * requests against the contract, enforces the policy (Notify is `internal`) and sets `kUser` or
 * `kPeerService` before a method runs; methods still check the identity they rely on and only
 * ever touch the caller's own data. Failures are the `DomainError`s of `errors.ts`.
 */
export function createNotificationService(
  deps: NotificationServiceDeps,
): ServiceImpl<typeof NotificationService> {
  return {
    ...inboxHandlers(deps),
    ...subscribeHandler(deps),
    ...pushHandlers(deps),
    ...preferenceHandlers(deps),
    ...notifyHandler(deps),
  };
}

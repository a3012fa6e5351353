import type { ServiceImpl } from "@connectrpc/connect";
import type { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { activityHandlers } from "./handlers/activity-handlers.js";
import { channelHandlers } from "./handlers/channel-handlers.js";
import { HandlerKit, type MessagingServiceDeps } from "./handlers/context.js";
import { membershipHandlers } from "./handlers/membership-handlers.js";
import { messageHandlers } from "./handlers/message-handlers.js";
import { subscribeHandler } from "./handlers/subscribe-handler.js";

export type { MessagingServiceDeps, MessagingServiceSettings } from "./handlers/context.js";

/**
 * `parley.messaging.v1.MessagingService`: channels, membership, messages, reactions, threads, read
 * state, typing, presence and the live event stream.
 *
 * Each method is authorize → port → map, grouped by concern in `handlers/`. The mesh validates
 * requests against the contract and sets `kUser` before a method runs; methods still check the
 * identity they rely on. Every durable change is stored with its event in one transaction before
 * the call returns; the store's commit hook publishes the event right after the commit (wired by
 * `createMessaging`), so handlers only publish ephemeral events themselves.
 * Failures are the `DomainError`s of `errors.ts`.
 */
export function createMessagingService(
  deps: MessagingServiceDeps,
): ServiceImpl<typeof MessagingService> {
  const kit = new HandlerKit(deps);
  return {
    ...channelHandlers(kit),
    ...membershipHandlers(kit),
    ...messageHandlers(kit),
    ...activityHandlers(kit),
    ...subscribeHandler(kit),
  };
}

import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import type { NotificationKindName, Notifier, OutgoingNotification } from "../ports.js";

/** Notify takes at most this many recipients per call. */
const RECIPIENT_BATCH = 1000;

const KINDS: Record<NotificationKindName, NotificationKind> = {
  mention: NotificationKind.MENTION,
  direct_message: NotificationKind.DIRECT_MESSAGE,
  reply: NotificationKind.REPLY,
  invite: NotificationKind.INVITE,
};

/**
 * {@link Notifier} on the notifications service's `Notify` (an internal RPC messaging may call on
 * its own account). Idempotency keys make the mesh's retries, and a second instance sending the
 * same notification, harmless.
 */
export class NotificationServiceNotifier implements Notifier {
  constructor(private readonly client: Client<typeof NotificationService>) {}

  async notify(notification: OutgoingNotification): Promise<void> {
    for (let i = 0; i < notification.recipientIds.length; i += RECIPIENT_BATCH) {
      await this.client.notify({
        idempotencyKey: notification.idempotencyKey,
        recipientUserIds: notification.recipientIds.slice(i, i + RECIPIENT_BATCH),
        kind: KINDS[notification.kind],
        title: notification.title,
        body: notification.body,
        channelId: notification.channelId,
        messageId: notification.messageId,
        threadRootId: notification.threadRootId,
        actorUserId: notification.actorId,
        link: notification.link,
      });
    }
  }
}

/** A notifier on the notifications service reached through `transport`. */
export function createNotificationServiceNotifier(
  transport: Transport,
): NotificationServiceNotifier {
  return new NotificationServiceNotifier(createClient(NotificationService, transport));
}

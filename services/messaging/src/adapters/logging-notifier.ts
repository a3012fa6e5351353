import type { Logger, Notifier, OutgoingNotification } from "../ports.js";

/**
 * A {@link Notifier} for when no notifications service is configured (single process until it
 * joins, tests): notifications are logged at debug level, without their text.
 */
export class LoggingNotifier implements Notifier {
  constructor(private readonly logger: Logger | undefined) {}

  async notify(notification: OutgoingNotification): Promise<void> {
    this.logger?.debug(
      {
        kind: notification.kind,
        recipients: notification.recipientIds.length,
        channelId: notification.channelId,
        messageId: notification.messageId,
      },
      "notification (no notifications service configured)",
    );
  }
}

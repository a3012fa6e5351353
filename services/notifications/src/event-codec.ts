import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import {
  type NotificationEvent,
  NotificationEventSchema,
} from "@parley/gen/parley/notifications/v1/events_pb.js";
import type { NotificationRecord, ReadSelector } from "./ports.js";
import { toNotificationProto, toTimestamp } from "./proto-mapping.js";

/**
 * Builds the `NotificationEvent`s of the Subscribe stream (events.proto). Every event carries
 * the person's unread count after it, so a client's badge is right from the first event on.
 */

export function subscribedEvent(input: {
  readonly unreadCount: number;
  readonly heartbeatIntervalMs: number;
  readonly expiresAt: number;
  readonly now: number;
}): NotificationEvent {
  return create(NotificationEventSchema, {
    unreadCount: input.unreadCount,
    time: toTimestamp(input.now),
    payload: {
      case: "subscribed",
      value: {
        heartbeatInterval: durationFromMs(input.heartbeatIntervalMs),
        expiresAt: toTimestamp(input.expiresAt),
      },
    },
  });
}

export function heartbeatEvent(unreadCount: number, now: number): NotificationEvent {
  return create(NotificationEventSchema, {
    unreadCount,
    time: toTimestamp(now),
    payload: { case: "heartbeat", value: { serverTime: toTimestamp(now) } },
  });
}

export function createdEvent(record: NotificationRecord, unreadCount: number): NotificationEvent {
  return create(NotificationEventSchema, {
    unreadCount,
    time: toTimestamp(record.createdAt),
    payload: {
      case: "notificationCreated",
      value: { notification: toNotificationProto(record) },
    },
  });
}

/** notifications_read, mirroring the MarkRead call that caused it. */
export function readEvent(input: {
  readonly selector: ReadSelector;
  /** For an `ids` selector: those that turned read (the others were read already or not theirs). */
  readonly markedIds: readonly string[];
  readonly readAt: number;
  readonly unreadCount: number;
}): NotificationEvent {
  const { selector } = input;
  return create(NotificationEventSchema, {
    unreadCount: input.unreadCount,
    time: toTimestamp(input.readAt),
    payload: {
      case: "notificationsRead",
      value: {
        notificationIds: selector.kind === "ids" ? [...input.markedIds] : [],
        upTo: selector.kind === "up_to" ? toTimestamp(selector.upTo) : undefined,
        all: selector.kind === "all",
        channelId: selector.kind === "channel" ? selector.channelId : "",
        readAt: toTimestamp(input.readAt),
      },
    },
  });
}

import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type Notification,
  NotificationSchema,
} from "@parley/gen/parley/notifications/v1/notification_pb.js";
import {
  type Preferences,
  PreferencesSchema,
} from "@parley/gen/parley/notifications/v1/preferences_pb.js";
import {
  type PushSubscription,
  PushSubscriptionSchema,
} from "@parley/gen/parley/notifications/v1/push_pb.js";
import { KIND_NAMES, kindToProto } from "./kinds.js";
import type { NotificationRecord, PreferencesRecord, PushSubscriptionRecord } from "./ports.js";

/**
 * The range of a valid `google.protobuf.Timestamp` (0001-01-01 to 9999-12-31): what every answer
 * can carry, its JSON form included. The contract refuses client values outside it; clamping
 * keeps anything else from being stored that could not be answered later.
 */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;

export function toTimestamp(ms: number): Timestamp {
  return timestampFromMs(ms);
}

/**
 * A wire timestamp as milliseconds, floored, and clamped to a valid Timestamp's range, so no
 * client value (seconds far beyond the year 9999, negative nanos) can make a non-number, or an
 * instant no answer can encode, reach a store.
 */
export function fromTimestamp(ts: Timestamp): number {
  const seconds = ts.seconds;
  if (seconds > BigInt(Math.floor(MAX_MS / 1000))) return MAX_MS;
  if (seconds < BigInt(Math.floor(MIN_MS / 1000))) return MIN_MS;
  const ms = Number(seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
  return Math.max(MIN_MS, Math.min(MAX_MS, ms));
}

export function toNotificationProto(record: NotificationRecord): Notification {
  return create(NotificationSchema, {
    id: record.id,
    kind: kindToProto(record.kind),
    title: record.title,
    body: record.body,
    channelId: record.channelId,
    messageId: record.messageId,
    threadRootId: record.threadRootId,
    actorUserId: record.actorUserId,
    link: record.link,
    createdAt: toTimestamp(record.createdAt),
    readAt: record.readAt === null ? undefined : toTimestamp(record.readAt),
  });
}

export function toPreferencesProto(record: PreferencesRecord): Preferences {
  return create(PreferencesSchema, {
    muteAll:
      record.muteAll === null
        ? undefined
        : { until: record.muteAll.until === null ? undefined : toTimestamp(record.muteAll.until) },
    kinds: KIND_NAMES.map((kind) => ({
      kind: kindToProto(kind),
      enabled: record.kinds[kind].enabled,
      push: record.kinds[kind].push,
    })),
    channelMutes: record.channelMutes.map((mute) => ({
      channelId: mute.channelId,
      until: mute.until === null ? undefined : toTimestamp(mute.until),
    })),
    updatedAt: record.updatedAt === null ? undefined : toTimestamp(record.updatedAt),
  });
}

export function toPushSubscriptionProto(record: PushSubscriptionRecord): PushSubscription {
  return create(PushSubscriptionSchema, {
    id: record.id,
    endpoint: record.endpoint,
    userAgent: record.userAgent,
    createdAt: toTimestamp(record.createdAt),
    updatedAt: toTimestamp(record.updatedAt),
    expiresAt: record.expiresAt === null ? undefined : toTimestamp(record.expiresAt),
  });
}

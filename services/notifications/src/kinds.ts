import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import type { NotificationKindName } from "./ports.js";

/** Every notification kind, in the contract's order. */
export const KIND_NAMES: readonly NotificationKindName[] = [
  "mention",
  "direct_message",
  "reply",
  "invite",
  "system",
];

const TO_PROTO: Record<NotificationKindName, NotificationKind> = {
  mention: NotificationKind.MENTION,
  direct_message: NotificationKind.DIRECT_MESSAGE,
  reply: NotificationKind.REPLY,
  invite: NotificationKind.INVITE,
  system: NotificationKind.SYSTEM,
};

const FROM_PROTO = new Map<NotificationKind, NotificationKindName>(
  KIND_NAMES.map((name) => [TO_PROTO[name], name]),
);

export function kindToProto(kind: NotificationKindName): NotificationKind {
  return TO_PROTO[kind];
}

/** The domain name of a wire kind; undefined for UNSPECIFIED and unknown values. */
export function kindFromProto(kind: NotificationKind): NotificationKindName | undefined {
  return FROM_PROTO.get(kind);
}

/** The enum value's name, e.g. `NOTIFICATION_KIND_MENTION` (Web Push payloads carry it). */
export function kindEnumName(kind: NotificationKindName): string {
  return `NOTIFICATION_KIND_${kind.toUpperCase()}`;
}

export function isKindName(value: string): value is NotificationKindName {
  return (KIND_NAMES as readonly string[]).includes(value);
}

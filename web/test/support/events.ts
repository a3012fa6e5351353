import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  MembershipChange,
  type MessagingEvent,
  MessagingEventSchema,
  RecoveryStatus,
  type SubscribedChannelSchema,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import { type Message, MessageSchema } from "@parley/gen/parley/messaging/v1/message_pb.js";

/** Test data: events and messages as the server would send them. */

export const CH = "11111111-1111-4111-8111-111111111111";
export const CH2 = "22222222-2222-4222-8222-222222222222";
export const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
export const OTHER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

export function message(init: MessageInitShape<typeof MessageSchema> & { seq: bigint }): Message {
  return create(MessageSchema, {
    id: `m-${init.seq}`,
    channelId: CH,
    authorUserId: OTHER,
    text: `message ${init.seq}`,
    createdAt: timestampFromMs(1_700_000_000_000 + Number(init.seq) * 1000),
    ...init,
  });
}

export function subscribed(
  channels: MessageInitShape<typeof SubscribedChannelSchema>[],
  extra: { goneChannelIds?: string[]; heartbeatMs?: number; expiresAt?: number } = {},
): MessagingEvent {
  const ms = extra.heartbeatMs ?? 20_000;
  return create(MessagingEventSchema, {
    payload: {
      case: "subscribed",
      value: {
        channels,
        goneChannelIds: extra.goneChannelIds ?? [],
        heartbeatInterval: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 },
        expiresAt: extra.expiresAt === undefined ? undefined : timestampFromMs(extra.expiresAt),
      },
    },
  });
}

export function fresh(channelId: string, epoch: string, offset: bigint) {
  return { channelId, epoch, offset, recovery: RecoveryStatus.NEW };
}

export function recovered(channelId: string, epoch: string, offset: bigint) {
  return { channelId, epoch, offset, recovery: RecoveryStatus.RECOVERED };
}

export function reset(channelId: string, epoch: string, offset: bigint) {
  return { channelId, epoch, offset, recovery: RecoveryStatus.RESET };
}

/** A durable message_created at `offset` of `channelId`'s epoch. */
export function created(
  offset: bigint,
  msg: Message = message({ seq: offset }),
  epoch = "e1",
  channelId = CH,
): MessagingEvent {
  return create(MessagingEventSchema, {
    channelId,
    epoch,
    offset,
    time: msg.createdAt,
    payload: { case: "messageCreated", value: { message: msg } },
  });
}

export function heartbeat(): MessagingEvent {
  return create(MessagingEventSchema, { payload: { case: "heartbeat", value: {} } });
}

export function membership(
  offset: bigint,
  userId: string,
  change: MembershipChange,
  channelId = CH,
  epoch = "e1",
): MessagingEvent {
  return create(MessagingEventSchema, {
    channelId,
    epoch,
    offset,
    payload: {
      case: "membershipChanged",
      value: { userId, change, channel: { id: channelId, name: "general", memberCount: 2 } },
    },
  });
}

export { MembershipChange };

/** The Subscribed inside a `subscribed` event. */
export function subscribedOf(event: MessagingEvent) {
  if (event.payload.case !== "subscribed") throw new Error("not a subscribed event");
  return event.payload.value;
}

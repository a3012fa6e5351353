import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ReadStateSchema } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import {
  ChannelDeletedSchema,
  ChannelResetSchema,
  ChannelUpdatedSchema,
  HeartbeatSchema,
  MembershipChange,
  MembershipChangedSchema,
  MessageCreatedSchema,
  MessageDeletedSchema,
  MessageEditedSchema,
  type MessagingEvent,
  MessagingEventSchema,
  PresenceChangedSchema,
  ReactionChangedSchema,
  ReadStateChangedSchema,
  type ResetReason,
  type SubscribedChannel,
  SubscribedSchema,
  TypingSchema,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import type { Message } from "@parley/gen/parley/messaging/v1/message_pb.js";
import type {
  ChannelEvent,
  ChannelEventPayload,
  MembershipChangeName,
  PresenceRecord,
  ReadStateRecord,
} from "./ports.js";
import {
  toChannelProto,
  toMessageProto,
  toPresenceProto,
  toReadStateProto,
  toRoleProto,
  toThreadStateProto,
  toTimestamp,
} from "./proto-mapping.js";

/**
 * Builds the `MessagingEvent`s messaging emits. Durable events are serialized once, inside the
 * transaction that gives them their offset ({@link encodeChannelEvent} is the store's
 * `EventEncoder`); the same bytes go to the event log, onto the bus, and to every stream.
 *
 * Each event object and its bytes are remembered together (weakly: nothing is kept alive), so
 * neither is computed twice in this process: the instance that committed an event routes the
 * object it encoded instead of decoding the bytes again, and an event decoded off the bus or
 * the log is framed for the streams from the bytes it came in, never re-encoded. Events are
 * therefore shared and never modified once built.
 */

const bytesOfEvent = new WeakMap<MessagingEvent, Uint8Array>();
const eventOfBytes = new WeakMap<Uint8Array, MessagingEvent>();

function remember(event: MessagingEvent, bytes: Uint8Array): void {
  bytesOfEvent.set(event, bytes);
  eventOfBytes.set(bytes, event);
}

/** The store's {@link import("./ports.js").EventEncoder}. */
export function encodeChannelEvent(event: ChannelEvent): Uint8Array {
  const message = create(MessagingEventSchema, {
    channelId: event.channelId,
    epoch: event.epoch,
    offset: BigInt(event.offset),
    time: toTimestamp(event.time),
    payload: payloadOf(event.payload),
  });
  const bytes = toBinary(MessagingEventSchema, message);
  remember(message, bytes);
  return bytes;
}

/** The event's serialized form (computed once per event object). */
export function encodeEvent(event: MessagingEvent): Uint8Array {
  let bytes = bytesOfEvent.get(event);
  if (!bytes) {
    bytes = toBinary(MessagingEventSchema, event);
    remember(event, bytes);
  }
  return bytes;
}

/**
 * Reads an event off the bus or the log; throws on bytes that are not a MessagingEvent. The
 * bytes this process encoded itself give back the very event object they were encoded from.
 */
export function decodeEvent(bytes: Uint8Array): MessagingEvent {
  let event = eventOfBytes.get(bytes);
  if (!event) {
    event = fromBinary(MessagingEventSchema, bytes);
    remember(event, bytes);
  }
  return event;
}

/** Where a durable event sits in its channel, read without decoding the rest of the event. */
interface EventPosition {
  readonly channelId: string;
  readonly epoch: string;
  readonly offset: number;
}

/** The largest offset a number holds exactly. */
const MAX_SAFE_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Reads `channel_id` (1), `epoch` (2) and `offset` (3) off an encoded `MessagingEvent` without
 * decoding the rest, so an instance drops a duplicate (its own event coming back from the bus)
 * for a few bytes' work. Relies on fields being written in field-number order, as protobuf-es
 * (and every mainstream encoder) writes them; anything unexpected answers undefined and the
 * caller decodes the event properly.
 */
export function peekPosition(bytes: Uint8Array): EventPosition | undefined {
  const reader = new BinaryReader(bytes);
  let channelId = "";
  let epoch = "";
  let offset = 0;
  try {
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field > 3) break;
      if (field === 3 && wireType === WireType.Varint) {
        const value = BigInt(reader.uint64());
        if (value > MAX_SAFE_OFFSET) return undefined;
        offset = Number(value);
      } else if ((field === 1 || field === 2) && wireType === WireType.LengthDelimited) {
        if (field === 1) channelId = reader.string();
        else epoch = reader.string();
      } else {
        return undefined;
      }
    }
  } catch {
    return undefined;
  }
  return { channelId, epoch, offset };
}

function payloadOf(payload: ChannelEventPayload): MessagingEvent["payload"] {
  switch (payload.case) {
    case "messageCreated":
      return {
        case: "messageCreated",
        value: create(MessageCreatedSchema, {
          message: toMessageProto(payload.message),
          thread: payload.thread ? toThreadStateProto(payload.thread) : undefined,
        }),
      };
    case "messageEdited":
      return {
        case: "messageEdited",
        value: create(MessageEditedSchema, {
          messageId: payload.message.id,
          seq: BigInt(payload.message.seq),
          threadRootId: payload.message.threadRootId ?? "",
          text: payload.message.text,
          mentionedUserIds: [...payload.message.mentionedUserIds],
          editedAt:
            payload.message.editedAt === null ? undefined : toTimestamp(payload.message.editedAt),
        }),
      };
    case "messageDeleted":
      return {
        case: "messageDeleted",
        value: create(MessageDeletedSchema, {
          messageId: payload.message.id,
          seq: BigInt(payload.message.seq),
          threadRootId: payload.message.threadRootId ?? "",
          authorUserId: payload.message.authorId,
          deletedByUserId: payload.message.deletedBy ?? "",
          deletedAt:
            payload.message.deletedAt === null ? undefined : toTimestamp(payload.message.deletedAt),
          thread: payload.thread ? toThreadStateProto(payload.thread) : undefined,
        }),
      };
    case "reactionChanged":
      return {
        case: "reactionChanged",
        value: create(ReactionChangedSchema, {
          messageId: payload.messageId,
          seq: BigInt(payload.seq),
          emoji: payload.emoji,
          userId: payload.userId,
          added: payload.added,
          count: payload.count,
        }),
      };
    case "membershipChanged":
      return {
        case: "membershipChanged",
        value: create(MembershipChangedSchema, {
          userId: payload.userId,
          change: toChangeProto(payload.change),
          role: toRoleProto(payload.role),
          actorUserId: payload.actorId,
          channel: toChannelProto(payload.channel),
        }),
      };
    case "channelUpdated":
      return {
        case: "channelUpdated",
        value: create(ChannelUpdatedSchema, {
          channel: toChannelProto(payload.channel),
          actorUserId: payload.actorId,
        }),
      };
    case "channelDeleted":
      return {
        case: "channelDeleted",
        value: create(ChannelDeletedSchema, { actorUserId: payload.actorId }),
      };
  }
}

function toChangeProto(change: MembershipChangeName): MembershipChange {
  switch (change) {
    case "joined":
      return MembershipChange.JOINED;
    case "added":
      return MembershipChange.ADDED;
    case "left":
      return MembershipChange.LEFT;
    case "removed":
      return MembershipChange.REMOVED;
    case "role_changed":
      return MembershipChange.ROLE_CHANGED;
  }
}

// ---- Ephemeral and stream events (offset 0, never stored) ----

export function typingEvent(input: {
  channelId: string;
  userId: string;
  threadRootId: string;
  typing: boolean;
  expiresAt: number;
  now: number;
}): MessagingEvent {
  return create(MessagingEventSchema, {
    channelId: input.channelId,
    time: toTimestamp(input.now),
    payload: {
      case: "typing",
      value: create(TypingSchema, {
        userId: input.userId,
        threadRootId: input.threadRootId,
        typing: input.typing,
        expiresAt: toTimestamp(input.expiresAt),
      }),
    },
  });
}

export function presenceChangedEvent(presence: PresenceRecord, now: number): MessagingEvent {
  return create(MessagingEventSchema, {
    time: toTimestamp(now),
    payload: {
      case: "presenceChanged",
      value: create(PresenceChangedSchema, { presence: toPresenceProto(presence) }),
    },
  });
}

export function readStateChangedEvent(state: ReadStateRecord, now: number): MessagingEvent {
  return create(MessagingEventSchema, {
    channelId: state.channelId,
    time: toTimestamp(now),
    payload: {
      case: "readStateChanged",
      value: create(ReadStateChangedSchema, { readState: toReadStateProto(state) }),
    },
  });
}

/**
 * The author's `read_state_changed` for a message they just sent: their position is the message
 * (the channel's newest when it was committed), nothing is unread, and it moved when the message
 * was created. Built by each instance from the `message_created` event.
 */
export function authorReadStateEvent(channelId: string, message: Message): MessagingEvent {
  return create(MessagingEventSchema, {
    channelId,
    time: message.createdAt,
    payload: {
      case: "readStateChanged",
      value: create(ReadStateChangedSchema, {
        readState: create(ReadStateSchema, {
          channelId,
          lastReadSeq: message.seq,
          unreadCount: 0,
          unreadMentionCount: 0,
          updatedAt: message.createdAt,
        }),
      }),
    },
  });
}

export function heartbeatEvent(now: number): MessagingEvent {
  return create(MessagingEventSchema, {
    time: toTimestamp(now),
    payload: {
      case: "heartbeat",
      value: create(HeartbeatSchema, { serverTime: toTimestamp(now) }),
    },
  });
}

export function subscribedEvent(input: {
  channels: SubscribedChannel[];
  goneChannelIds: string[];
  heartbeatIntervalMs: number;
  expiresAt: number;
  now: number;
}): MessagingEvent {
  return create(MessagingEventSchema, {
    time: toTimestamp(input.now),
    payload: {
      case: "subscribed",
      value: create(SubscribedSchema, {
        channels: input.channels,
        goneChannelIds: input.goneChannelIds,
        heartbeatInterval: durationFromMs(input.heartbeatIntervalMs),
        expiresAt: toTimestamp(input.expiresAt),
      }),
    },
  });
}

export function channelResetEvent(input: {
  channelId: string;
  epoch: string;
  offset: number;
  reason: ResetReason;
  now: number;
}): MessagingEvent {
  return create(MessagingEventSchema, {
    channelId: input.channelId,
    time: toTimestamp(input.now),
    payload: {
      case: "channelReset",
      value: create(ChannelResetSchema, {
        epoch: input.epoch,
        offset: BigInt(input.offset),
        reason: input.reason,
      }),
    },
  });
}

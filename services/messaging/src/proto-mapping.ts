import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type Channel,
  ChannelKind,
  type ChannelMember,
  ChannelMemberSchema,
  ChannelSchema,
  type JoinedChannel,
  JoinedChannelSchema,
  MemberRole,
  type ReadState,
  ReadStateSchema,
} from "@parley/gen/parley/messaging/v1/channel_pb.js";
import {
  type Message,
  MessageSchema,
  type Reaction,
  ReactionSchema,
  type ThreadState,
  ThreadStateSchema,
} from "@parley/gen/parley/messaging/v1/message_pb.js";
import {
  type Presence,
  PresenceSchema,
  PresenceStatus,
} from "@parley/gen/parley/messaging/v1/presence_pb.js";
import type {
  ChannelKindName,
  ChannelRecord,
  JoinedChannelRecord,
  MemberRecord,
  MemberRoleName,
  MessageRecord,
  PresenceRecord,
  ReactionSummary,
  ReadStateRecord,
  ThreadStateRecord,
} from "./ports.js";

/** Records → the contract's messages. Pure functions; the only place that knows both shapes. */

export function toTimestamp(ms: number): Timestamp {
  return timestampFromMs(ms);
}

export function toOptionalTimestamp(ms: number | null): Timestamp | undefined {
  return ms === null ? undefined : timestampFromMs(ms);
}

export function toChannelProto(channel: ChannelRecord): Channel {
  return create(ChannelSchema, {
    id: channel.id,
    kind: toKindProto(channel.kind),
    name: channel.name,
    topic: channel.topic,
    createdByUserId: channel.createdBy,
    createdAt: toTimestamp(channel.createdAt),
    updatedAt: toTimestamp(channel.updatedAt),
    archivedAt: toOptionalTimestamp(channel.archivedAt),
    memberCount: channel.memberCount,
    participantUserIds: [...channel.participantIds],
    lastMessageSeq: BigInt(channel.lastMessageSeq),
    lastMessageAt: toOptionalTimestamp(channel.lastMessageAt),
  });
}

export function toReadStateProto(state: ReadStateRecord): ReadState {
  return create(ReadStateSchema, {
    channelId: state.channelId,
    lastReadSeq: BigInt(state.lastReadSeq),
    unreadCount: state.unreadCount,
    unreadMentionCount: state.unreadMentionCount,
    updatedAt: toOptionalTimestamp(state.updatedAt),
  });
}

export function toJoinedChannelProto(joined: JoinedChannelRecord): JoinedChannel {
  return create(JoinedChannelSchema, {
    channel: toChannelProto(joined.channel),
    role: toRoleProto(joined.member.role),
    joinedAt: toTimestamp(joined.member.joinedAt),
    readState: toReadStateProto(joined.readState),
  });
}

export function toMemberProto(member: MemberRecord): ChannelMember {
  return create(ChannelMemberSchema, {
    userId: member.userId,
    role: toRoleProto(member.role),
    joinedAt: toTimestamp(member.joinedAt),
  });
}

export function toMessageProto(
  message: MessageRecord,
  reactions: readonly ReactionSummary[] = [],
): Message {
  return create(MessageSchema, {
    id: message.id,
    channelId: message.channelId,
    seq: BigInt(message.seq),
    authorUserId: message.authorId,
    text: message.text,
    threadRootId: message.threadRootId ?? "",
    mentionedUserIds: [...message.mentionedUserIds],
    reactions: toReactionProtos(reactions),
    replyCount: message.replyCount,
    lastReplyAt: toOptionalTimestamp(message.lastReplyAt),
    createdAt: toTimestamp(message.createdAt),
    editedAt: toOptionalTimestamp(message.editedAt),
    deletedAt: toOptionalTimestamp(message.deletedAt),
    idempotencyKey: message.idempotencyKey,
  });
}

export function toReactionProtos(reactions: readonly ReactionSummary[]): Reaction[] {
  return reactions.map((r) =>
    create(ReactionSchema, { emoji: r.emoji, count: r.count, reactedByMe: r.reactedByMe }),
  );
}

export function toThreadStateProto(thread: ThreadStateRecord): ThreadState {
  return create(ThreadStateSchema, {
    rootId: thread.rootId,
    rootSeq: BigInt(thread.rootSeq),
    replyCount: thread.replyCount,
    lastReplyAt: toOptionalTimestamp(thread.lastReplyAt),
  });
}

export function toPresenceProto(presence: PresenceRecord): Presence {
  return create(PresenceSchema, {
    userId: presence.userId,
    status:
      presence.status === "online"
        ? PresenceStatus.ONLINE
        : presence.status === "away"
          ? PresenceStatus.AWAY
          : PresenceStatus.OFFLINE,
    lastSeenAt: toOptionalTimestamp(presence.lastSeenAt),
  });
}

export function toKindProto(kind: ChannelKindName): ChannelKind {
  switch (kind) {
    case "public":
      return ChannelKind.PUBLIC;
    case "private":
      return ChannelKind.PRIVATE;
    case "direct":
      return ChannelKind.DIRECT;
  }
}

/** The domain kind of a (validated) proto kind; undefined for UNSPECIFIED. */
export function fromKindProto(kind: ChannelKind): ChannelKindName | undefined {
  switch (kind) {
    case ChannelKind.PUBLIC:
      return "public";
    case ChannelKind.PRIVATE:
      return "private";
    case ChannelKind.DIRECT:
      return "direct";
    default:
      return undefined;
  }
}

export function toRoleProto(role: MemberRoleName | null): MemberRole {
  if (role === "owner") return MemberRole.OWNER;
  if (role === "member") return MemberRole.MEMBER;
  return MemberRole.UNSPECIFIED;
}

/** The domain role of a (validated) proto role; undefined for UNSPECIFIED. */
export function fromRoleProto(role: MemberRole): MemberRoleName | undefined {
  if (role === MemberRole.OWNER) return "owner";
  if (role === MemberRole.MEMBER) return "member";
  return undefined;
}

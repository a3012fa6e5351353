import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  type Channel,
  ChannelKind,
  type JoinedChannel,
  JoinedChannelSchema,
  type ReadState,
  ReadStateSchema,
} from "@parley/gen/parley/messaging/v1/channel_pb.js";
import {
  MembershipChange,
  type MessagingEvent,
  type Subscribed,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import type { ListChannelsResponse } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";

/**
 * Applies one live event to the person's channel list (ListChannels' answer) and returns the new
 * list, or the same object when nothing changed: new channels appear, left and deleted ones go,
 * names, member counts, last activity and unread counts follow. Unread counts move locally for
 * an immediate badge; the server's absolute read state (read_state_changed, and `subscribed` on
 * every reconnect) corrects any drift.
 */
export function applyToChannels(
  data: ListChannelsResponse,
  event: MessagingEvent,
  selfUserId: string,
): ListChannelsResponse {
  const { payload, channelId } = event;
  switch (payload.case) {
    case "messageCreated": {
      const message = payload.value.message;
      if (!message) return data;
      return updateJoined(data, channelId, (joined) => {
        const channel = joined.channel && {
          ...joined.channel,
          lastMessageSeq:
            message.seq > joined.channel.lastMessageSeq
              ? message.seq
              : joined.channel.lastMessageSeq,
          lastMessageAt: message.createdAt ?? joined.channel.lastMessageAt,
        };
        const read = readStateOf(joined);
        let readState = read;
        if (message.authorUserId === selfUserId) {
          // Sending moves one's own read position to the message.
          if (message.seq > read.lastReadSeq) {
            readState = {
              ...read,
              lastReadSeq: message.seq,
              unreadCount: 0,
              unreadMentionCount: 0,
            };
          }
        } else if (!message.threadRootId && message.seq > read.lastReadSeq) {
          readState = {
            ...read,
            unreadCount: read.unreadCount + 1,
            unreadMentionCount:
              read.unreadMentionCount + (message.mentionedUserIds.includes(selfUserId) ? 1 : 0),
          };
        }
        return { ...joined, channel, readState };
      });
    }
    case "messageDeleted": {
      const { seq, authorUserId, threadRootId } = payload.value;
      if (authorUserId === selfUserId || threadRootId) return data;
      return updateJoined(data, channelId, (joined) => {
        const read = readStateOf(joined);
        if (seq <= read.lastReadSeq || read.unreadCount === 0) return joined;
        return { ...joined, readState: { ...read, unreadCount: read.unreadCount - 1 } };
      });
    }
    case "readStateChanged": {
      const readState = payload.value.readState;
      if (!readState) return data;
      return updateJoined(data, readState.channelId, (joined) => ({ ...joined, readState }));
    }
    case "membershipChanged": {
      const { userId, change, role, channel } = payload.value;
      if (userId === selfUserId) {
        if (change === MembershipChange.LEFT || change === MembershipChange.REMOVED) {
          return removeChannel(data, channelId);
        }
        if (change === MembershipChange.JOINED || change === MembershipChange.ADDED) {
          if (data.channels.some((c) => c.channel?.id === channelId)) {
            return replaceChannel(data, channel);
          }
          const joined = create(JoinedChannelSchema, {
            channel,
            role,
            joinedAt: event.time,
            readState: { channelId, lastReadSeq: channel?.lastMessageSeq ?? 0n },
          });
          return { ...data, channels: [...data.channels, joined] };
        }
        return updateJoined(data, channelId, (joined) => ({
          ...joined,
          role,
          channel: channel ?? joined.channel,
        }));
      }
      return replaceChannel(data, channel);
    }
    case "channelUpdated":
      return replaceChannel(data, payload.value.channel);
    case "channelDeleted":
      return removeChannel(data, channelId);
    default:
      return data;
  }
}

/**
 * Takes the read states a (re)connected stream reports for every channel. Returns the new list
 * and whether the stream named channels the list does not have (joined while away: reload it).
 */
export function applySubscribed(
  data: ListChannelsResponse,
  subscribed: Subscribed,
): { data: ListChannelsResponse; unknownChannels: boolean } {
  const states = new Map<string, ReadState>();
  for (const c of subscribed.channels) if (c.readState) states.set(c.channelId, c.readState);
  const gone = new Set(subscribed.goneChannelIds);
  const known = new Set<string>();
  let changed = false;
  const channels: JoinedChannel[] = [];
  for (const joined of data.channels) {
    const id = joined.channel?.id ?? "";
    if (gone.has(id)) {
      changed = true;
      continue;
    }
    known.add(id);
    const state = states.get(id);
    if (state && !sameReadState(state, joined.readState)) {
      changed = true;
      channels.push({ ...joined, readState: state });
    } else {
      channels.push(joined);
    }
  }
  const unknownChannels = subscribed.channels.some((c) => !known.has(c.channelId));
  return { data: changed ? { ...data, channels } : data, unknownChannels };
}

/** Named channels (by name) and direct conversations (latest first), as the sidebar lists them. */
export function groupChannels(channels: readonly JoinedChannel[]): {
  named: JoinedChannel[];
  direct: JoinedChannel[];
} {
  const named: JoinedChannel[] = [];
  const direct: JoinedChannel[] = [];
  for (const joined of channels) {
    if (!joined.channel || joined.channel.archivedAt) continue;
    (joined.channel.kind === ChannelKind.DIRECT ? direct : named).push(joined);
  }
  named.sort((a, b) => (a.channel?.name ?? "").localeCompare(b.channel?.name ?? ""));
  direct.sort((a, b) => lastActivity(b) - lastActivity(a));
  return { named, direct };
}

function lastActivity(joined: JoinedChannel): number {
  const at = joined.channel?.lastMessageAt ?? joined.channel?.createdAt;
  return at ? timestampMs(at) : 0;
}

function readStateOf(joined: JoinedChannel): ReadState {
  return joined.readState ?? create(ReadStateSchema, { channelId: joined.channel?.id ?? "" });
}

function sameReadState(a: ReadState, b: ReadState | undefined): boolean {
  return (
    !!b &&
    a.lastReadSeq === b.lastReadSeq &&
    a.unreadCount === b.unreadCount &&
    a.unreadMentionCount === b.unreadMentionCount
  );
}

function updateJoined(
  data: ListChannelsResponse,
  channelId: string,
  change: (joined: JoinedChannel) => JoinedChannel,
): ListChannelsResponse {
  let changed = false;
  const channels = data.channels.map((joined) => {
    if (joined.channel?.id !== channelId) return joined;
    const next = change(joined);
    if (next !== joined) changed = true;
    return next;
  });
  return changed ? { ...data, channels } : data;
}

function replaceChannel(
  data: ListChannelsResponse,
  channel: Channel | undefined,
): ListChannelsResponse {
  if (!channel) return data;
  return updateJoined(data, channel.id, (joined) => ({ ...joined, channel }));
}

/** Takes a channel out of the list (one the person left, or a deleted one). */
export function removeChannel(data: ListChannelsResponse, channelId: string): ListChannelsResponse {
  const channels = data.channels.filter((c) => c.channel?.id !== channelId);
  return channels.length === data.channels.length ? data : { ...data, channels };
}

/**
 * Adds (or refreshes) a channel the person just created, joined or opened, so the app can show
 * it at once, before its membership event arrives on the stream.
 */
export function addJoinedChannel(
  data: ListChannelsResponse,
  joined: JoinedChannel,
): ListChannelsResponse {
  const id = joined.channel?.id;
  if (!id) return data;
  if (data.channels.some((c) => c.channel?.id === id)) {
    return updateJoined(data, id, (old) => ({
      ...old,
      channel: joined.channel,
      role: joined.role,
    }));
  }
  return { ...data, channels: [...data.channels, joined] };
}

/** Sets one channel's read state (MarkRead's answer). */
export function setReadState(
  data: ListChannelsResponse,
  readState: ReadState,
): ListChannelsResponse {
  return updateJoined(data, readState.channelId, (joined) =>
    joined.readState && sameReadState(readState, joined.readState)
      ? joined
      : { ...joined, readState },
  );
}

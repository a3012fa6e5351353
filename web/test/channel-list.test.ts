import { create } from "@bufbuild/protobuf";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingEventSchema } from "@parley/gen/parley/messaging/v1/events_pb.js";
import {
  type ListChannelsResponse,
  ListChannelsResponseSchema,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import { applySubscribed, applyToChannels, groupChannels } from "../src/lib/channel-list.js";
import {
  CH,
  CH2,
  created,
  fresh,
  ME,
  MembershipChange,
  membership,
  message,
  OTHER,
  subscribed,
  subscribedOf,
} from "./support/events.js";

function list(): ListChannelsResponse {
  return create(ListChannelsResponseSchema, {
    channels: [
      {
        channel: { id: CH, name: "general", kind: ChannelKind.PUBLIC, memberCount: 2 },
        readState: { channelId: CH, lastReadSeq: 3n, unreadCount: 0 },
      },
    ],
  });
}

const unread = (data: ListChannelsResponse, id = CH) =>
  data.channels.find((c) => c.channel?.id === id)?.readState?.unreadCount;

test("others' new top-level messages count as unread; one's own and thread replies do not", (t) => {
  let data = applyToChannels(list(), created(1n, message({ seq: 4n })), ME);
  t.is(unread(data), 1);
  data = applyToChannels(data, created(2n, message({ seq: 5n, mentionedUserIds: [ME] })), ME);
  t.is(unread(data), 2);
  t.is(data.channels[0]?.readState?.unreadMentionCount, 1);
  data = applyToChannels(data, created(3n, message({ seq: 6n, threadRootId: "m-4" })), ME);
  t.is(unread(data), 2, "replies are not unread messages");
  data = applyToChannels(data, created(4n, message({ seq: 7n, authorUserId: ME })), ME);
  t.is(unread(data), 0, "sending moves one's own read position to the message");
  t.is(data.channels[0]?.channel?.lastMessageSeq, 7n);
});

test("read_state_changed and subscribed set the server's absolute counts", (t) => {
  let data = applyToChannels(list(), created(1n, message({ seq: 4n })), ME);
  const readEvent = create(MessagingEventSchema, {
    payload: {
      case: "readStateChanged",
      value: { readState: { channelId: CH, lastReadSeq: 4n, unreadCount: 0 } },
    },
  });
  data = applyToChannels(data, readEvent, ME);
  t.is(unread(data), 0);
  const { data: after, unknownChannels } = applySubscribed(
    data,
    subscribedOf(
      subscribed([
        { ...fresh(CH, "e1", 9n), readState: { channelId: CH, lastReadSeq: 4n, unreadCount: 5 } },
      ]),
    ),
  );
  t.is(unread(after), 5);
  t.false(unknownChannels);
  const { unknownChannels: joinedWhileAway } = applySubscribed(
    after,
    subscribedOf(subscribed([fresh(CH, "e1", 9n), fresh(CH2, "e1", 1n)])),
  );
  t.true(joinedWhileAway, "a channel the list lacks: reload the list");
});

test("joining adds the channel, leaving removes it, others joining update the member count", (t) => {
  let data = applyToChannels(list(), membership(5n, ME, MembershipChange.JOINED, CH2), ME);
  t.deepEqual(
    data.channels.map((c) => c.channel?.id),
    [CH, CH2],
  );
  data = applyToChannels(data, membership(6n, ME, MembershipChange.JOINED, CH2), ME);
  t.is(data.channels.length, 2, "joining twice adds it once");
  data = applyToChannels(data, membership(7n, OTHER, MembershipChange.JOINED, CH), ME);
  t.is(data.channels[0]?.channel?.memberCount, 2);
  data = applyToChannels(data, membership(8n, ME, MembershipChange.LEFT, CH2), ME);
  t.deepEqual(
    data.channels.map((c) => c.channel?.id),
    [CH],
  );
});

test("the sidebar lists named channels by name and direct ones by latest activity", (t) => {
  const data = create(ListChannelsResponseSchema, {
    channels: [
      { channel: { id: "3", name: "zeta", kind: ChannelKind.PUBLIC } },
      { channel: { id: "1", kind: ChannelKind.DIRECT, lastMessageAt: { seconds: 10n } } },
      { channel: { id: "4", name: "alpha", kind: ChannelKind.PRIVATE } },
      { channel: { id: "2", kind: ChannelKind.DIRECT, lastMessageAt: { seconds: 20n } } },
      { channel: { id: "5", name: "old", kind: ChannelKind.PUBLIC, archivedAt: { seconds: 1n } } },
    ],
  });
  const { named, direct } = groupChannels(data.channels);
  t.deepEqual(
    named.map((c) => c.channel?.name),
    ["alpha", "zeta"],
  );
  t.deepEqual(
    direct.map((c) => c.channel?.id),
    ["2", "1"],
  );
});

import { Code } from "@connectrpc/connect";
import { ChannelKind, MemberRole } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import test from "ava";
import { waitUntil } from "../../../test/support/redis.js";
import { createChannel, rejection, send, startMessaging } from "./helpers/harness.js";

test("creating a channel makes the caller its owner with the initial members", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person("alice");
  const bob = h.person("bob");
  const res = await h.client.createChannel(
    { kind: ChannelKind.PRIVATE, name: "secret", topic: "shh", memberUserIds: [bob.id, alice.id] },
    alice.call,
  );
  const joined = res.channel;
  t.is(joined?.role, MemberRole.OWNER);
  t.is(joined?.channel?.kind, ChannelKind.PRIVATE);
  t.is(joined?.channel?.name, "secret");
  t.is(joined?.channel?.topic, "shh");
  t.is(joined?.channel?.createdByUserId, alice.id);
  t.is(joined?.channel?.memberCount, 2, "the caller's own id in member_user_ids is ignored");
  t.is(joined?.readState?.unreadCount, 0);
  const members = await h.client.listMembers({ channelId: joined?.channel?.id ?? "" }, bob.call);
  t.deepEqual(
    members.members.map((m) => [m.userId, m.role]),
    [
      [alice.id, MemberRole.OWNER],
      [bob.id, MemberRole.MEMBER],
    ],
  );
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.sent.map((n) => [n.kind, n.recipientIds]),
    [["invite", [bob.id]]],
    "initial members get an invite notification",
  );
});

test("channel names are unique among public and private channels regardless of kind", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  await createChannel(h.client, alice, "general");
  const again = await rejection(() =>
    createChannel(h.client, alice, "general", { kind: "private" }),
  );
  t.is(again.code, Code.AlreadyExists);
  t.regex(again.rawMessage, /already exists/);
});

test("creating a channel with an unknown initial member is not_found and creates nothing", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const err = await rejection(() =>
    h.client.createChannel(
      {
        kind: ChannelKind.PUBLIC,
        name: "x",
        memberUserIds: ["7d444840-9dc0-11d1-b245-5ffdce74fad2"],
      },
      alice.call,
    ),
  );
  t.is(err.code, Code.NotFound);
  t.is((await h.client.listChannels({}, alice.call)).channels.length, 0);
});

test("auth being unreachable makes member checks unavailable, not internal", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  h.users.failing = true;
  const err = await rejection(() => createChannel(h.client, alice, "x", { members: [bob] }));
  t.is(err.code, Code.Unavailable);
});

test("GetChannel: members see their membership, public previews for anyone, private hidden", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const stranger = h.person();
  const admin = h.person("root", "admin");
  const pub = await createChannel(h.client, owner, "open");
  const priv = await createChannel(h.client, owner, "closed", { kind: "private" });

  const mine = await h.client.getChannel({ channelId: priv.id }, owner.call);
  t.is(mine.membership?.role, MemberRole.OWNER);
  t.is(mine.channel?.id, priv.id);

  const preview = await h.client.getChannel({ channelId: pub.id }, stranger.call);
  t.is(preview.channel?.name, "open");
  t.is(preview.membership, undefined);

  const denied = await rejection(() => h.client.getChannel({ channelId: priv.id }, stranger.call));
  t.is(denied.code, Code.PermissionDenied);

  const asAdmin = await h.client.getChannel({ channelId: priv.id }, admin.call);
  t.is(asAdmin.channel?.name, "closed", "admins may read any channel's metadata");
  t.is(asAdmin.membership, undefined);

  const missing = await rejection(() =>
    h.client.getChannel({ channelId: "7d444840-9dc0-11d1-b245-5ffdce74fad2" }, owner.call),
  );
  t.is(missing.code, Code.NotFound);
});

test("ListChannels pages by channel id, filters kinds and archived, refuses foreign tokens", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await createChannel(h.client, alice, `c${i}`)).id);
  const priv = await createChannel(h.client, alice, "p", { kind: "private" });
  ids.push(priv.id);
  const dm = await h.client.openDirectChannel({ userIds: [bob.id] }, alice.call);
  ids.push(dm.channel?.channel?.id ?? "");
  await h.client.archiveChannel({ channelId: ids[0] ?? "" }, alice.call);

  const seen: string[] = [];
  let token = "";
  let pages = 0;
  do {
    const page = await h.client.listChannels({ pageSize: 2, pageToken: token }, alice.call);
    seen.push(...page.channels.map((c) => c.channel?.id ?? ""));
    token = page.nextPageToken;
    pages++;
  } while (token);
  const expected = ids.filter((id) => id !== ids[0]).sort();
  t.deepEqual(seen, expected, "every unarchived channel once, ordered by id");
  t.is(pages, 3);

  const withArchived = await h.client.listChannels({ includeArchived: true }, alice.call);
  t.is(withArchived.channels.length, 7);
  const onlyDirect = await h.client.listChannels({ kinds: [ChannelKind.DIRECT] }, alice.call);
  t.deepEqual(
    onlyDirect.channels.map((c) => c.channel?.kind),
    [ChannelKind.DIRECT],
  );

  const first = await h.client.listChannels({ pageSize: 1 }, alice.call);
  const foreign = await rejection(() =>
    h.client.listChannels(
      { pageSize: 1, pageToken: first.nextPageToken, includeArchived: true },
      alice.call,
    ),
  );
  t.is(foreign.code, Code.InvalidArgument, "a token from other filters is refused");
  const otherUser = await rejection(() =>
    h.client.listChannels({ pageSize: 1, pageToken: first.nextPageToken }, bob.call),
  );
  t.is(otherUser.code, Code.InvalidArgument, "a token from another caller is refused");
  const malformed = await rejection(() =>
    h.client.listChannels({ pageToken: "not-a-token!" }, alice.call),
  );
  t.is(malformed.code, Code.InvalidArgument);
});

test("ListPublicChannels searches names and topics, says what the caller joined, and pages by name", async (t) => {
  const h = await startMessaging(t);
  const alice = h.person();
  const bob = h.person();
  await createChannel(h.client, alice, "zebra", { topic: "Stripes and Ünïcode" });
  await createChannel(h.client, alice, "apple");
  await createChannel(h.client, alice, "mango");
  await createChannel(h.client, alice, "hidden", { kind: "private" });
  const archived = await createChannel(h.client, alice, "old");
  await h.client.archiveChannel({ channelId: archived.id }, alice.call);

  const all = await h.client.listPublicChannels({}, bob.call);
  t.deepEqual(
    all.channels.map((c) => c.channel?.name),
    ["apple", "mango", "zebra"],
    "public, unarchived, by name",
  );
  t.true(all.channels.every((c) => !c.joined));
  const mine = await h.client.listPublicChannels({}, alice.call);
  t.true(mine.channels.every((c) => c.joined));

  const search = await h.client.listPublicChannels({ query: "ÜNÏ" }, bob.call);
  t.deepEqual(
    search.channels.map((c) => c.channel?.name),
    ["zebra"],
    "topic, any case",
  );

  const page1 = await h.client.listPublicChannels({ pageSize: 2 }, bob.call);
  t.deepEqual(
    page1.channels.map((c) => c.channel?.name),
    ["apple", "mango"],
  );
  const page2 = await h.client.listPublicChannels(
    { pageSize: 2, pageToken: page1.nextPageToken },
    bob.call,
  );
  t.deepEqual(
    page2.channels.map((c) => c.channel?.name),
    ["zebra"],
  );
  t.is(page2.nextPageToken, "");
  const wrongQuery = await rejection(() =>
    h.client.listPublicChannels({ query: "a", pageToken: page1.nextPageToken }, bob.call),
  );
  t.is(wrongQuery.code, Code.InvalidArgument);

  const withArchived = await h.client.listPublicChannels({ includeArchived: true }, bob.call);
  t.true(withArchived.channels.some((c) => c.channel?.name === "old"));
});

test("UpdateChannel: owners and admins rename and retopic; members may not", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const member = h.person();
  const admin = h.person("admin1", "admin");
  const channel = await createChannel(h.client, owner, "before", { members: [member] });
  await createChannel(h.client, owner, "taken");

  const renamed = await h.client.updateChannel(
    { channelId: channel.id, name: "after" },
    owner.call,
  );
  t.is(renamed.channel?.name, "after");
  t.is(renamed.channel?.topic, "");

  const denied = await rejection(() =>
    h.client.updateChannel({ channelId: channel.id, topic: "nope" }, member.call),
  );
  t.is(denied.code, Code.PermissionDenied);

  const byAdmin = await h.client.updateChannel({ channelId: channel.id, topic: "hi" }, admin.call);
  t.is(byAdmin.channel?.topic, "hi");
  t.is(byAdmin.channel?.name, "after", "absent fields stay");

  const cleared = await h.client.updateChannel({ channelId: channel.id, topic: "" }, owner.call);
  t.is(cleared.channel?.topic, "");

  const taken = await rejection(() =>
    h.client.updateChannel({ channelId: channel.id, name: "taken" }, owner.call),
  );
  t.is(taken.code, Code.AlreadyExists);

  await h.client.archiveChannel({ channelId: channel.id }, owner.call);
  const archived = await rejection(() =>
    h.client.updateChannel({ channelId: channel.id, topic: "x" }, owner.call),
  );
  t.is(archived.code, Code.FailedPrecondition);
});

test("archiving: idempotent, owners and admins only, blocks writes until unarchived", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const member = h.person();
  const outsider = h.person();
  const channel = await createChannel(h.client, owner, "arch", { members: [member] });
  const message = await send(h.client, member, channel.id, "before archive");

  const denied = await rejection(() =>
    h.client.archiveChannel({ channelId: channel.id }, member.call),
  );
  t.is(denied.code, Code.PermissionDenied);

  const archived = await h.client.archiveChannel({ channelId: channel.id }, owner.call);
  t.truthy(archived.channel?.archivedAt);
  const again = await h.client.archiveChannel({ channelId: channel.id }, owner.call);
  t.deepEqual(
    again.channel?.archivedAt,
    archived.channel?.archivedAt,
    "archiving twice changes nothing",
  );

  const blocked = [
    () => send(h.client, member, channel.id, "after"),
    () =>
      h.client.addReaction(
        { channelId: channel.id, messageId: message.id, emoji: "👍" },
        member.call,
      ),
    () => h.client.sendTyping({ channelId: channel.id }, member.call),
    () => h.client.joinChannel({ channelId: channel.id }, outsider.call),
    () => h.client.addMembers({ channelId: channel.id, userIds: [outsider.id] }, member.call),
    () =>
      h.client.editMessage(
        { channelId: channel.id, messageId: message.id, text: "x" },
        member.call,
      ),
  ];
  for (const call of blocked) t.is((await rejection(call)).code, Code.FailedPrecondition);

  const history = await h.client.listMessages({ channelId: channel.id }, member.call);
  t.is(history.messages.length, 1, "history stays readable");
  const read = await h.client.markRead({ channelId: channel.id, seq: 1n }, owner.call);
  t.is(read.readState?.lastReadSeq, 1n, "MarkRead works in archived channels");
  const deleted = await h.client.deleteMessage(
    { channelId: channel.id, messageId: message.id },
    member.call,
  );
  t.truthy(deleted.message?.deletedAt, "deleting works in archived channels");

  const unarchived = await h.client.unarchiveChannel({ channelId: channel.id }, owner.call);
  t.is(unarchived.channel?.archivedAt, undefined);
  await send(h.client, member, channel.id, "back");
  const twice = await h.client.unarchiveChannel({ channelId: channel.id }, owner.call);
  t.is(twice.channel?.archivedAt, undefined, "unarchiving an unarchived channel succeeds");
});

test("DeleteChannel: owners of public/private, admins of any; a second delete is not_found", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const member = h.person();
  const admin = h.person("boss", "admin");
  const channel = await createChannel(h.client, owner, "doomed", { members: [member] });
  await send(h.client, member, channel.id, "hello");

  const denied = await rejection(() =>
    h.client.deleteChannel({ channelId: channel.id }, member.call),
  );
  t.is(denied.code, Code.PermissionDenied);
  await h.client.deleteChannel({ channelId: channel.id }, owner.call);
  const gone = await rejection(() => h.client.getChannel({ channelId: channel.id }, owner.call));
  t.is(gone.code, Code.NotFound);
  const again = await rejection(() =>
    h.client.deleteChannel({ channelId: channel.id }, owner.call),
  );
  t.is(again.code, Code.NotFound);
  t.is((await h.client.listChannels({}, member.call)).channels.length, 0);
  await createChannel(h.client, owner, "doomed");
  t.pass("the name is free again");

  const dm = await h.client.openDirectChannel({ userIds: [member.id] }, owner.call);
  const dmId = dm.channel?.channel?.id ?? "";
  const notOwner = await rejection(() => h.client.deleteChannel({ channelId: dmId }, owner.call));
  t.is(notOwner.code, Code.PermissionDenied, "direct channels have no owner");
  await h.client.deleteChannel({ channelId: dmId }, admin.call);
  const reopened = await h.client.openDirectChannel({ userIds: [member.id] }, owner.call);
  t.true(reopened.created, "after an admin deleted it, opening makes a new one");
});

test("OpenDirectChannel returns the same channel for the same people, in any order", async (t) => {
  const h = await startMessaging(t);
  const a = h.person();
  const b = h.person();
  const c = h.person();
  const first = await h.client.openDirectChannel({ userIds: [b.id, c.id] }, a.call);
  t.true(first.created);
  const channel = first.channel?.channel;
  t.is(channel?.kind, ChannelKind.DIRECT);
  t.is(channel?.name, "");
  t.deepEqual(channel?.participantUserIds, [a.id, b.id, c.id].sort());
  t.is(first.channel?.role, MemberRole.MEMBER);

  const second = await h.client.openDirectChannel({ userIds: [a.id, b.id] }, c.call);
  t.false(second.created);
  t.is(second.channel?.channel?.id, channel?.id);
  const withSelf = await h.client.openDirectChannel({ userIds: [c.id, b.id, a.id] }, a.call);
  t.is(withSelf.channel?.channel?.id, channel?.id, "the caller's own id is ignored");

  const pair = await h.client.openDirectChannel({ userIds: [b.id] }, a.call);
  t.not(pair.channel?.channel?.id, channel?.id, "another set of people, another channel");

  const onlySelf = await rejection(() => h.client.openDirectChannel({ userIds: [a.id] }, a.call));
  t.is(onlySelf.code, Code.InvalidArgument);
  const unknown = await rejection(() =>
    h.client.openDirectChannel({ userIds: ["7d444840-9dc0-11d1-b245-5ffdce74fad2"] }, a.call),
  );
  t.is(unknown.code, Code.NotFound);
});

test("concurrent OpenDirectChannel calls for the same people make one channel", async (t) => {
  const h = await startMessaging(t);
  const a = h.person();
  const b = h.person();
  const results = await Promise.all([
    h.client.openDirectChannel({ userIds: [b.id] }, a.call),
    h.client.openDirectChannel({ userIds: [a.id] }, b.call),
    h.client.openDirectChannel({ userIds: [b.id] }, a.call),
  ]);
  t.is(new Set(results.map((r) => r.channel?.channel?.id)).size, 1);
  t.is(results.filter((r) => r.created).length, 1);
});

test("direct channels have fixed membership and no owner", async (t) => {
  const h = await startMessaging(t);
  const a = h.person();
  const b = h.person();
  const c = h.person();
  const admin = h.person("adm", "admin");
  const dm = await h.client.openDirectChannel({ userIds: [b.id] }, a.call);
  const channelId = dm.channel?.channel?.id ?? "";

  t.is(
    (await rejection(() => h.client.leaveChannel({ channelId }, a.call))).code,
    Code.FailedPrecondition,
  );
  t.is(
    (await rejection(() => h.client.addMembers({ channelId, userIds: [c.id] }, a.call))).code,
    Code.FailedPrecondition,
  );
  t.is(
    (await rejection(() => h.client.removeMember({ channelId, userId: b.id }, a.call))).code,
    Code.FailedPrecondition,
  );
  t.is(
    (
      await rejection(() =>
        h.client.setMemberRole({ channelId, userId: b.id, role: MemberRole.OWNER }, a.call),
      )
    ).code,
    Code.FailedPrecondition,
  );
  t.is(
    (await rejection(() => h.client.joinChannel({ channelId }, c.call))).code,
    Code.PermissionDenied,
  );
  t.is(
    (await rejection(() => h.client.archiveChannel({ channelId }, a.call))).code,
    Code.FailedPrecondition,
  );
  t.is(
    (await rejection(() => h.client.archiveChannel({ channelId }, admin.call))).code,
    Code.FailedPrecondition,
  );
  t.is(
    (await rejection(() => h.client.updateChannel({ channelId, topic: "x" }, a.call))).code,
    Code.FailedPrecondition,
  );
  t.is(
    (await rejection(() => h.client.archiveChannel({ channelId }, c.call))).code,
    Code.PermissionDenied,
    "outsiders learn nothing about the channel",
  );
  const joinedAgain = await h.client.joinChannel({ channelId }, a.call);
  t.is(joinedAgain.channel?.channel?.id, channelId, "joining a channel one belongs to succeeds");
  await send(h.client, a, channelId, "hi b");
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.to(b.id).map((n) => n.kind),
    ["direct_message"],
  );
  t.is(h.notifier.to(a.id).length, 0, "the author is never notified");
});

test("a direct message is answered without waiting for the notification's name lookup", async (t) => {
  const h = await startMessaging(t);
  const a = h.person("alice");
  const b = h.person("bob");
  const opened = await h.client.openDirectChannel({ userIds: [b.id] }, a.call);
  const channelId = opened.channel?.channel?.id ?? "";
  // From now on, looking up names (what planning the notification does) hangs until released.
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const lookupByIds = h.users.lookupByIds.bind(h.users);
  h.users.lookupByIds = async (ids) => {
    await released;
    return lookupByIds(ids);
  };
  const sent = await send(h.client, a, channelId, "are you there?");
  t.is(sent.text, "are you there?");
  t.deepEqual(h.notifier.to(b.id), [], "nothing sent before the name is known");
  release();
  await waitUntil(() => h.notifier.to(b.id).length === 1, "the direct message notification");
  t.deepEqual(
    h.notifier.to(b.id).map((n) => [n.kind, n.title.includes("alice")]),
    [["direct_message", true]],
  );
});

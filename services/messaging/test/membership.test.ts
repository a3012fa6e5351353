import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { MemberRole } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { errorInterceptor, kUser, MemoryPubSub } from "@parley/mesh";
import test from "ava";
import { MemoryPresenceStore } from "../src/adapters/memory-presence-store.js";
import { openSqliteMessagingStore } from "../src/adapters/sqlite-messaging-store.js";
import { encodeChannelEvent } from "../src/event-codec.js";
import { EventPublisher } from "../src/event-publisher.js";
import { Hub } from "../src/live/hub.js";
import { PresenceTracker } from "../src/presence/presence-tracker.js";
import { SendsInHand } from "../src/sends-in-hand.js";
import { createMessagingService } from "../src/service.js";
import { TypingThrottle } from "../src/typing-throttle.js";
import {
  createChannel,
  FakeClock,
  FakeDirectory,
  MemoryLogger,
  rejection,
  startMessaging,
} from "./helpers/harness.js";

test("joining a public channel; joining twice changes nothing", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const bob = h.person();
  const channel = await createChannel(h.client, owner, "lobby");
  const joined = await h.client.joinChannel({ channelId: channel.id }, bob.call);
  t.is(joined.channel?.role, MemberRole.MEMBER);
  t.is(joined.channel?.channel?.memberCount, 2);
  const again = await h.client.joinChannel({ channelId: channel.id }, bob.call);
  t.is(again.channel?.channel?.memberCount, 2);
  t.is(again.channel?.role, MemberRole.MEMBER);
});

test("private channels cannot be joined, only added to; members of any role may add", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const member = h.person();
  const carol = h.person();
  const dave = h.person();
  const outsider = h.person();
  const channel = await createChannel(h.client, owner, "inner", {
    kind: "private",
    members: [member],
  });
  const join = await rejection(() => h.client.joinChannel({ channelId: channel.id }, carol.call));
  t.is(join.code, Code.PermissionDenied);

  const added = await h.client.addMembers(
    { channelId: channel.id, userIds: [carol.id, member.id] },
    member.call,
  );
  t.deepEqual(
    added.added.map((m) => m.userId),
    [carol.id],
    "people who already belong are skipped",
  );
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.to(carol.id).map((n) => n.kind),
    ["invite"],
  );
  // Removed and added again: told again, under a key of its own (Notify remembers keys 8 days).
  await h.client.removeMember({ channelId: channel.id, userId: carol.id }, owner.call);
  await h.client.addMembers({ channelId: channel.id, userIds: [carol.id] }, member.call);
  await h.messaging.notificationsSent();
  const invites = h.notifier.to(carol.id);
  t.deepEqual(
    invites.map((n) => n.kind),
    ["invite", "invite"],
  );
  t.not(invites[0]?.idempotencyKey, invites[1]?.idempotencyKey);

  const notMember = await rejection(() =>
    h.client.addMembers({ channelId: channel.id, userIds: [dave.id] }, outsider.call),
  );
  t.is(notMember.code, Code.PermissionDenied);
  const unknown = await rejection(() =>
    h.client.addMembers(
      { channelId: channel.id, userIds: ["7d444840-9dc0-11d1-b245-5ffdce74fad2"] },
      owner.call,
    ),
  );
  t.is(unknown.code, Code.NotFound);
});

test("leaving: non-members succeed, the last owner must hand over first", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const member = h.person();
  const stranger = h.person();
  const channel = await createChannel(h.client, owner, "team", { members: [member] });

  await h.client.leaveChannel({ channelId: channel.id }, stranger.call);
  t.pass("leaving a channel one does not belong to succeeds");

  const lastOwner = await rejection(() =>
    h.client.leaveChannel({ channelId: channel.id }, owner.call),
  );
  t.is(lastOwner.code, Code.FailedPrecondition);
  t.regex(lastOwner.rawMessage, /make another member an owner first/);

  await h.client.setMemberRole(
    { channelId: channel.id, userId: member.id, role: MemberRole.OWNER },
    owner.call,
  );
  await h.client.leaveChannel({ channelId: channel.id }, owner.call);
  const members = await h.client.listMembers({ channelId: channel.id }, member.call);
  t.deepEqual(
    members.members.map((m) => m.userId),
    [member.id],
  );
  const gone = await rejection(() => h.client.listMembers({ channelId: channel.id }, owner.call));
  t.is(gone.code, Code.PermissionDenied, "after leaving, the channel is not readable");
});

test("when the last member leaves a private channel it is archived", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const admin = h.person("adm", "admin");
  const priv = await createChannel(h.client, owner, "lonely", { kind: "private" });
  const pub = await createChannel(h.client, owner, "square");
  await h.client.leaveChannel({ channelId: priv.id }, owner.call);
  await h.client.leaveChannel({ channelId: pub.id }, owner.call);
  const privNow = await h.client.getChannel({ channelId: priv.id }, admin.call);
  t.truthy(privNow.channel?.archivedAt);
  t.is(privNow.channel?.memberCount, 0);
  const pubNow = await h.client.getChannel({ channelId: pub.id }, admin.call);
  t.is(pubNow.channel?.archivedAt, undefined, "public channels stay open");
});

test("RemoveMember: owners and admins; removing oneself is invalid; absent people succeed", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const member = h.person();
  const other = h.person();
  const admin = h.person("mod", "admin");
  const channel = await createChannel(h.client, owner, "club", { members: [member, other] });

  const byMember = await rejection(() =>
    h.client.removeMember({ channelId: channel.id, userId: other.id }, member.call),
  );
  t.is(byMember.code, Code.PermissionDenied);
  const self = await rejection(() =>
    h.client.removeMember({ channelId: channel.id, userId: owner.id }, owner.call),
  );
  t.is(self.code, Code.InvalidArgument);

  await h.client.removeMember({ channelId: channel.id, userId: other.id }, owner.call);
  await h.client.removeMember({ channelId: channel.id, userId: other.id }, owner.call);
  const soleOwner = await rejection(() =>
    h.client.removeMember({ channelId: channel.id, userId: owner.id }, admin.call),
  );
  t.is(soleOwner.code, Code.FailedPrecondition, "an admin cannot leave members without an owner");
  await h.client.removeMember({ channelId: channel.id, userId: member.id }, admin.call);
  const members = await h.client.listMembers({ channelId: channel.id }, owner.call);
  t.deepEqual(
    members.members.map((m) => m.userId),
    [owner.id],
  );
  const removedReads = await rejection(() =>
    h.client.listMessages({ channelId: channel.id }, other.call),
  );
  t.is(removedReads.code, Code.PermissionDenied);
});

test("SetMemberRole promotes and demotes, never leaving a channel without an owner", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const member = h.person();
  const stranger = h.person();
  const channel = await createChannel(h.client, owner, "roles", { members: [member] });

  const byMember = await rejection(() =>
    h.client.setMemberRole(
      { channelId: channel.id, userId: member.id, role: MemberRole.OWNER },
      member.call,
    ),
  );
  t.is(byMember.code, Code.PermissionDenied);
  const notMember = await rejection(() =>
    h.client.setMemberRole(
      { channelId: channel.id, userId: stranger.id, role: MemberRole.OWNER },
      owner.call,
    ),
  );
  t.is(notMember.code, Code.NotFound);
  const lastOwner = await rejection(() =>
    h.client.setMemberRole(
      { channelId: channel.id, userId: owner.id, role: MemberRole.MEMBER },
      owner.call,
    ),
  );
  t.is(lastOwner.code, Code.FailedPrecondition);

  const promoted = await h.client.setMemberRole(
    { channelId: channel.id, userId: member.id, role: MemberRole.OWNER },
    owner.call,
  );
  t.is(promoted.member?.role, MemberRole.OWNER);
  const demoted = await h.client.setMemberRole(
    { channelId: channel.id, userId: owner.id, role: MemberRole.MEMBER },
    member.call,
  );
  t.is(demoted.member?.role, MemberRole.MEMBER);
  const nowMember = await rejection(() =>
    h.client.archiveChannel({ channelId: channel.id }, owner.call),
  );
  t.is(nowMember.code, Code.PermissionDenied, "a demoted owner loses owner rights");
});

test("ListMembers: owners first, then by join time; pages with channel-bound tokens", async (t) => {
  const h = await startMessaging(t);
  const owner = h.person();
  const people = [h.person(), h.person(), h.person(), h.person()];
  const channel = await createChannel(h.client, owner, "crowd");
  for (const person of people) {
    h.clock.advance(1000);
    await h.client.joinChannel({ channelId: channel.id }, person.call);
  }
  const last = people[3];
  if (!last) throw new Error("unreachable");
  await h.client.setMemberRole(
    { channelId: channel.id, userId: last.id, role: MemberRole.OWNER },
    owner.call,
  );
  const order: string[] = [];
  let token = "";
  do {
    const page = await h.client.listMembers(
      { channelId: channel.id, pageSize: 2, pageToken: token },
      owner.call,
    );
    order.push(...page.members.map((m) => m.userId));
    token = page.nextPageToken;
  } while (token);
  t.deepEqual(order, [owner.id, last.id, ...people.slice(0, 3).map((p) => p.id)]);

  const other = await createChannel(h.client, owner, "other");
  const first = await h.client.listMembers({ channelId: channel.id, pageSize: 1 }, owner.call);
  const foreign = await rejection(() =>
    h.client.listMembers({ channelId: other.id, pageToken: first.nextPageToken }, owner.call),
  );
  t.is(foreign.code, Code.InvalidArgument);
  const outsider = h.person();
  const denied = await rejection(() =>
    h.client.listMembers({ channelId: channel.id }, outsider.call),
  );
  t.is(denied.code, Code.PermissionDenied, "public channels must be joined to list members");
});

test("the 2,000-membership limit is failed_precondition (limit lowered for the test)", async (t) => {
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const pubsub = new MemoryPubSub();
  const store = openSqliteMessagingStore(":memory:", {
    encode: encodeChannelEvent,
    retainEvents: 1000,
    maxMemberships: 2,
  });
  t.teardown(() => store.close());
  const hub = new Hub({ pubsub, log: store.events, channels: store.channels, logger });
  const presence = new PresenceTracker({
    store: new MemoryPresenceStore(),
    pubsub,
    clock,
    logger,
    ttlMs: 60_000,
    refreshMs: 20_000,
  });
  const users = new FakeDirectory();
  const alice = users.add("alice");
  const bob = users.add("bob");
  const service = createMessagingService({
    channels: store.channels,
    messages: store.messages,
    events: store.events,
    hub,
    publisher: new EventPublisher(pubsub, hub, logger),
    presence,
    typing: new TypingThrottle(),
    users,
    sendLimiter: undefined,
    sendsInHand: new SendsInHand(256),
    clock,
    logger,
    settings: {
      heartbeatIntervalMs: 20_000,
      eventRetentionCount: 1000,
      eventRetentionMs: 86_400_000,
      streamQueueLimit: 100,
    },
  });
  const client = createClient(
    MessagingService,
    createRouterTransport((router) => router.service(MessagingService, service), {
      router: {
        interceptors: [
          errorInterceptor(),
          (next) => (req) => {
            const id = req.header.get("x-user") ?? "";
            req.contextValues.set(kUser, {
              id,
              role: "member",
              tokenId: "t",
              expiresAt: new Date(clock.now() + 60_000),
            });
            return next(req);
          },
        ],
      },
    }),
  );
  const as = (id: string) => ({ headers: { "x-user": id } });
  const one = await client.createChannel({ kind: 1, name: "one" }, as(alice.id));
  await client.createChannel({ kind: 1, name: "two" }, as(alice.id));
  const full = await rejection(() =>
    client.createChannel({ kind: 1, name: "three" }, as(alice.id)),
  );
  t.is(full.code, Code.FailedPrecondition);
  t.regex(full.rawMessage, /you belong to the maximum/);
  const bobTwo = await client.createChannel({ kind: 1, name: "b2" }, as(bob.id));
  await client.createChannel({ kind: 1, name: "b3" }, as(bob.id));
  const addFull = await rejection(() =>
    client.addMembers(
      { channelId: bobTwo.channel?.channel?.id ?? "", userIds: [alice.id] },
      as(bob.id),
    ),
  );
  t.is(addFull.code, Code.FailedPrecondition);
  t.regex(addFull.rawMessage, new RegExp(alice.id));
  const joinFull = await rejection(() =>
    client.joinChannel({ channelId: one.channel?.channel?.id ?? "" }, as(bob.id)),
  );
  t.is(joinFull.code, Code.FailedPrecondition);
  await hub.close();
  await presence.close();
});

/**
 * GetPreferences / UpdatePreferences through the RPC layer: the defaults, partial atomic updates,
 * mutes with and without an end, and refusals.
 */
import { randomUUID } from "node:crypto";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import test from "ava";
import { MAX_CHANNEL_MUTES } from "../src/limits.js";
import { rejection, startNotifications } from "./helpers/harness.js";

const ALL_KINDS = [
  NotificationKind.MENTION,
  NotificationKind.DIRECT_MESSAGE,
  NotificationKind.REPLY,
  NotificationKind.INVITE,
  NotificationKind.SYSTEM,
];

test("the defaults: every kind enabled with push, nothing muted, never updated", async (t) => {
  const h = await startNotifications(t);
  const { preferences } = await h.client.getPreferences({}, h.person().call);
  t.deepEqual(
    preferences?.kinds.map((k) => [k.kind, k.enabled, k.push]),
    ALL_KINDS.map((kind) => [kind, true, true]),
  );
  t.is(preferences?.muteAll, undefined);
  t.deepEqual(preferences?.channelMutes, []);
  t.is(preferences?.updatedAt, undefined);
});

test("an update changes only what it names and returns everything", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const [c1, c2] = [randomUUID(), randomUUID()];
  const until = h.clock.now() + 3_600_000;
  const first = await h.client.updatePreferences(
    {
      kinds: [{ kind: NotificationKind.INVITE, enabled: false, push: false }],
      muteChannels: [{ channelId: c1 }, { channelId: c2, until: timestampFromMs(until) }],
    },
    a.call,
  );
  t.deepEqual(
    first.preferences?.kinds.map((k) => [k.kind, k.enabled, k.push]),
    ALL_KINDS.map((kind) =>
      kind === NotificationKind.INVITE ? [kind, false, false] : [kind, true, true],
    ),
  );
  t.deepEqual(
    first.preferences?.channelMutes.map((m) => [m.channelId, m.until?.seconds]),
    [
      [c1, undefined],
      [c2, BigInt(until / 1000)],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
  );
  t.is(Number(first.preferences?.updatedAt?.seconds), Math.floor(h.clock.now() / 1000));

  h.clock.advance(1000);
  const second = await h.client.updatePreferences(
    {
      muteAllChange: { case: "muteAll", value: {} },
      kinds: [{ kind: NotificationKind.REPLY, enabled: true, push: false }],
      unmuteChannelIds: [c1],
    },
    a.call,
  );
  const kinds = new Map(second.preferences?.kinds.map((k) => [k.kind, [k.enabled, k.push]]));
  t.deepEqual(kinds.get(NotificationKind.INVITE), [false, false], "earlier change kept");
  t.deepEqual(kinds.get(NotificationKind.REPLY), [true, false]);
  t.deepEqual(
    second.preferences?.channelMutes.map((m) => m.channelId),
    [c2],
  );
  t.truthy(second.preferences?.muteAll, "do-not-disturb on");
  t.is(second.preferences?.muteAll?.until, undefined, "until turned off");
  t.deepEqual((await h.client.getPreferences({}, a.call)).preferences, second.preferences);

  const other = await h.client.getPreferences({}, h.person().call);
  t.is(other.preferences?.updatedAt, undefined, "someone else's are untouched");
});

test("mutes with an end disappear once they end", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const channelId = randomUUID();
  await h.client.updatePreferences(
    {
      muteAllChange: { case: "muteAll", value: { until: timestampFromMs(h.clock.now() + 60_000) } },
      muteChannels: [{ channelId, until: timestampFromMs(h.clock.now() + 60_000) }],
    },
    a.call,
  );
  const during = await h.client.getPreferences({}, a.call);
  t.truthy(during.preferences?.muteAll?.until);
  t.is(during.preferences?.channelMutes.length, 1);
  h.clock.advance(60_001);
  const after = await h.client.getPreferences({}, a.call);
  t.is(after.preferences?.muteAll, undefined);
  t.deepEqual(after.preferences?.channelMutes, []);
  await h.notifications.housekeeping();
  t.deepEqual((await h.client.getPreferences({}, a.call)).preferences?.channelMutes, []);
});

test("unmute_all ends do-not-disturb; unmuting an unmuted channel succeeds", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  await h.client.updatePreferences({ muteAllChange: { case: "muteAll", value: {} } }, a.call);
  const res = await h.client.updatePreferences(
    { muteAllChange: { case: "unmuteAll", value: true }, unmuteChannelIds: [randomUUID()] },
    a.call,
  );
  t.is(res.preferences?.muteAll, undefined);
});

test("refusals: a mute ending in the past, a conflict, too many muted channels", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const past = await rejection(() =>
    h.client.updatePreferences(
      { muteAllChange: { case: "muteAll", value: { until: timestampFromMs(h.clock.now() - 1) } } },
      a.call,
    ),
  );
  t.is(past.code, Code.InvalidArgument);
  const channelId = randomUUID();
  const conflict = await rejection(() =>
    h.client.updatePreferences(
      { muteChannels: [{ channelId }], unmuteChannelIds: [channelId.toUpperCase()] },
      a.call,
    ),
  );
  t.is(conflict.code, Code.InvalidArgument);

  for (let i = 0; i < MAX_CHANNEL_MUTES; i += 100) {
    await h.client.updatePreferences(
      { muteChannels: Array.from({ length: 100 }, () => ({ channelId: randomUUID() })) },
      a.call,
    );
  }
  const tooMany = await rejection(() =>
    h.client.updatePreferences({ muteChannels: [{ channelId: randomUUID() }] }, a.call),
  );
  t.is(tooMany.code, Code.FailedPrecondition);
  const kept = await h.client.getPreferences({}, a.call);
  t.is(
    kept.preferences?.channelMutes.length,
    MAX_CHANNEL_MUTES,
    "the refused update changed nothing",
  );
});

test("preferences need a signed-in caller", async (t) => {
  const h = await startNotifications(t);
  t.is((await rejection(() => h.client.getPreferences({}))).code, Code.Unauthenticated);
  t.is(
    (await rejection(() => h.client.updatePreferences({ unmuteChannelIds: [randomUUID()] }))).code,
    Code.Unauthenticated,
  );
});

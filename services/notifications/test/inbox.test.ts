/**
 * The inbox through the RPC layer: listing newest first with cursor pages and filters, MarkRead's
 * four selectors, unread counts, and that every call only ever sees the caller's own inbox.
 */
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import test from "ava";
import {
  type Harness,
  notifyRequest,
  type Person,
  rejection,
  startNotifications,
  testConfig,
} from "./helpers/harness.js";

/** Notifies `person` `count` times, a millisecond apart; returns the ids, oldest first. */
async function fill(
  h: Harness,
  person: Person,
  count: number,
  overrides: Parameters<typeof notifyRequest>[1] = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await h.client.notify(
      notifyRequest([person.id], { title: `n${i}`, ...overrides }),
      h.as("messaging"),
    );
    ids.push(res.results[0]?.notificationId ?? "");
    h.clock.advance(1);
  }
  return ids;
}

test("ListNotifications pages newest first with a cursor, 50 by default", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const ids = await fill(h, a, 7);
  const seen: string[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = await h.client.listNotifications({ pageSize: 3, pageToken }, a.call);
    t.true(page.notifications.length <= 3);
    seen.push(...page.notifications.map((n) => n.id));
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== "");
  t.is(pages, 3);
  t.deepEqual(seen, [...ids].reverse(), "newest first, each once");
  const all = await h.client.listNotifications({}, a.call);
  t.is(all.notifications.length, 7);
  t.is(all.nextPageToken, "");

  await fill(h, a, 44);
  const defaults = await h.client.listNotifications({}, a.call);
  t.is(defaults.notifications.length, 50, "page_size 0 means 50");
  const rest = await h.client.listNotifications({ pageToken: defaults.nextPageToken }, a.call);
  t.is(rest.notifications.length, 1);
  t.is(rest.nextPageToken, "");
});

test("a page stays stable when newer notifications arrive between pages", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const ids = await fill(h, a, 4);
  const first = await h.client.listNotifications({ pageSize: 2 }, a.call);
  await fill(h, a, 3);
  const second = await h.client.listNotifications(
    { pageSize: 2, pageToken: first.nextPageToken },
    a.call,
  );
  t.deepEqual(
    second.notifications.map((n) => n.id),
    [ids[1], ids[0]],
  );
});

test("filters: unread only, and by kind; tokens are bound to their filters and their owner", async (t) => {
  const h = await startNotifications(t);
  const [a, b] = [h.person(), h.person()];
  const mentions = await fill(h, a, 3);
  const replies = await fill(h, a, 2, { kind: NotificationKind.REPLY });
  await h.client.markRead({ ids: [mentions[0] ?? ""] }, a.call);

  const unread = await h.client.listNotifications({ unreadOnly: true }, a.call);
  t.deepEqual(
    unread.notifications.map((n) => n.id),
    [replies[1], replies[0], mentions[2], mentions[1]],
  );
  const onlyReplies = await h.client.listNotifications({ kinds: [NotificationKind.REPLY] }, a.call);
  t.deepEqual(
    onlyReplies.notifications.map((n) => n.id),
    [replies[1], replies[0]],
  );

  const page = await h.client.listNotifications({ pageSize: 1, unreadOnly: true }, a.call);
  const otherFilters = await rejection(() =>
    h.client.listNotifications({ pageSize: 1, pageToken: page.nextPageToken }, a.call),
  );
  t.is(otherFilters.code, Code.InvalidArgument);
  const otherPerson = await rejection(() =>
    h.client.listNotifications(
      { pageSize: 1, unreadOnly: true, pageToken: page.nextPageToken },
      b.call,
    ),
  );
  t.is(otherPerson.code, Code.InvalidArgument, "someone else's token pages nothing");
  const garbage = await rejection(() =>
    h.client.listNotifications({ pageToken: "bm90LWEtdG9rZW4" }, a.call),
  );
  t.is(garbage.code, Code.InvalidArgument);
});

test("MarkRead by ids marks only the caller's unread ones and tells how many", async (t) => {
  const h = await startNotifications(t);
  const [a, b] = [h.person(), h.person()];
  const mine = await fill(h, a, 3);
  const theirs = await fill(h, b, 1);
  const res = await h.client.markRead(
    { ids: [mine[0] ?? "", theirs[0] ?? "", randomUUID()] },
    a.call,
  );
  t.is(res.markedCount, 1, "someone else's and unknown ids are ignored");
  t.is(res.unreadCount, 2);
  t.is((await h.client.getUnreadCount({}, b.call)).unreadCount, 1, "b's is untouched");
  const again = await h.client.markRead({ ids: [mine[0] ?? ""] }, a.call);
  t.is(again.markedCount, 0, "already read");
  const listed = await h.client.listNotifications({}, a.call);
  const read = listed.notifications.find((n) => n.id === mine[0]);
  t.truthy(read?.readAt, "read_at is set");
  const readAt = read?.readAt?.seconds;
  h.clock.advance(5_000);
  await h.client.markRead({ all: true }, a.call);
  const after = await h.client.listNotifications({}, a.call);
  t.is(
    after.notifications.find((n) => n.id === mine[0])?.readAt?.seconds,
    readAt,
    "a read notification keeps its read_at",
  );
});

test("MarkRead up_to marks what was created at or before that time", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const ids = await fill(h, a, 4);
  const listed = await h.client.listNotifications({}, a.call);
  const shown = listed.notifications.find((n) => n.id === ids[1]);
  const res = await h.client.markRead({ upTo: shown?.createdAt }, a.call);
  t.is(res.markedCount, 2);
  t.is(res.unreadCount, 2);
  const unread = await h.client.listNotifications({ unreadOnly: true }, a.call);
  t.deepEqual(
    unread.notifications.map((n) => n.id),
    [ids[3], ids[2]],
  );
});

test("MarkRead all and by channel", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  const channelId = randomUUID();
  await fill(h, a, 2, { channelId });
  await fill(h, a, 3);
  const byChannel = await h.client.markRead({ channelId: channelId.toUpperCase() }, a.call);
  t.deepEqual([byChannel.markedCount, byChannel.unreadCount], [2, 3]);
  const all = await h.client.markRead({ all: true }, a.call);
  t.deepEqual([all.markedCount, all.unreadCount], [3, 0]);
  t.is((await h.client.getUnreadCount({}, a.call)).unreadCount, 0);
});

test("every inbox call needs a signed-in caller", async (t) => {
  const h = await startNotifications(t);
  for (const call of [
    () => h.client.listNotifications({}),
    () => h.client.markRead({ all: true }),
    () => h.client.getUnreadCount({}),
  ]) {
    t.is((await rejection(call)).code, Code.Unauthenticated);
  }
});

test("a malformed MarkRead that got past validation is invalid_argument, not internal", async (t) => {
  const h = await startNotifications(t);
  const a = h.person();
  t.is((await rejection(() => h.client.markRead({}, a.call))).code, Code.InvalidArgument);
  t.is(
    (await rejection(() => h.client.markRead({ all: true, channelId: randomUUID() }, a.call))).code,
    Code.InvalidArgument,
  );
});

test("the write limit answers resource_exhausted with retry-after", async (t) => {
  const h = await startNotifications(t, {
    config: testConfig({ PARLEY_NOTIFICATIONS_WRITE_LIMIT: "2/1m" }),
  });
  const a = h.person();
  await h.client.markRead({ all: true }, a.call);
  await h.client.markRead({ all: true }, a.call);
  const err = await rejection(() => h.client.markRead({ all: true }, a.call));
  t.is(err.code, Code.ResourceExhausted);
  t.regex(err.metadata.get("retry-after") ?? "", /^\d+$/);
  const b = h.person();
  await t.notThrowsAsync(h.client.markRead({ all: true }, b.call), "the budget is per person");
  h.clock.advance(60_000);
  await t.notThrowsAsync(h.client.markRead({ all: true }, a.call));
});

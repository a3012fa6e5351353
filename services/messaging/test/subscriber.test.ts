/**
 * A stream's ordering rules (`live/subscriber.ts`), on a real store's event log: each durable
 * offset once, gaps filled from the log or announced with channel_reset, epochs, and the caller's
 * own joining and leaving. The hub normally hands a stream its channel's events in order; these
 * are the cases where it cannot (a bus that lost events, a log already pruned, a reset history).
 */
import { randomUUID } from "node:crypto";
import { clone, create } from "@bufbuild/protobuf";
import {
  ChannelDeletedSchema,
  MembershipChange,
  type MessagingEvent,
  MessagingEventSchema,
  ResetReason,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import test, { type ExecutionContext } from "ava";
import { FakeClock, MemoryLogger } from "../../../test/support/fakes.js";
import { waitUntil } from "../../../test/support/redis.js";
import { openSqliteMessagingStore } from "../src/adapters/sqlite-messaging-store.js";
import { decodeEvent, encodeChannelEvent } from "../src/event-codec.js";
import type { Outlet } from "../src/live/outlet.js";
import { Subscriber } from "../src/live/subscriber.js";

const OWNER = randomUUID();
const READER = randomUUID();

/** An outlet that always has room and keeps what it was given. */
class KeepingOutlet implements Outlet {
  readonly events: MessagingEvent[] = [];
  ended = false;
  offer(event: MessagingEvent): boolean {
    this.events.push(event);
    return true;
  }
  async room(): Promise<void> {}
  end(): void {
    this.ended = true;
  }
}

/** What the stream delivered: offsets of the channel's events, `reset(<reason>@<offset>)` for resets. */
function delivered(outlet: KeepingOutlet): string[] {
  return outlet.events.map((event) =>
    event.payload.case === "channelReset"
      ? `reset(${ResetReason[event.payload.value.reason]}@${event.payload.value.offset})`
      : `${event.payload.case}@${event.offset}`,
  );
}

/** A public channel with the reader in it and `messages` messages: its log and decoded events. */
async function channelWithHistory(messages: number) {
  const store = openSqliteMessagingStore(":memory:", {
    encode: encodeChannelEvent,
    retainEvents: 1000,
    maxMemberships: 100,
  });
  const created = await store.channels.createChannel({
    id: randomUUID(),
    kind: "public",
    name: `c-${randomUUID().slice(0, 8)}`,
    topic: "",
    creatorId: OWNER,
    memberIds: [],
    epoch: "e1",
    now: 1_000,
  });
  if (created.kind !== "ok") throw new Error("not created");
  const channelId = created.value.channel.id;
  const joined = await store.channels.join(channelId, READER, 1_500);
  if (joined.kind !== "ok") throw new Error("not joined");
  for (let i = 0; i < messages; i++) {
    await store.messages.sendMessage({
      id: randomUUID(),
      channelId,
      authorId: OWNER,
      text: `m${i}`,
      threadRootId: null,
      mentionCandidates: [],
      idempotencyKey: randomUUID(),
      requestHash: "h",
      now: 2_000 + i,
    });
  }
  const log = (await store.events.readEvents(channelId, 0, 1000)).map((s) => decodeEvent(s.bytes));
  const at = (offset: number) => {
    const event = log.find((e) => Number(e.offset) === offset);
    if (!event) throw new Error(`no event at ${offset}`);
    return event;
  };
  return { store, channelId, log, at };
}

function startSubscriber(store: ReturnType<typeof openSqliteMessagingStore>) {
  const attached: string[] = [];
  const subscriber = new Subscriber({
    id: randomUUID(),
    userId: READER,
    log: store.events,
    clock: new FakeClock(),
    logger: new MemoryLogger(),
    maxPending: 100,
    onAttach: (_, channelId) => attached.push(channelId),
  });
  const outlet = new KeepingOutlet();
  return { subscriber, outlet, attached };
}

/**
 * A channel with `messages` messages, and a started stream of the reader's that has delivered up
 * to offset 3 (`follows`), or follows nothing yet.
 */
async function readerStream(t: ExecutionContext, messages: number, follows = true) {
  const history = await channelWithHistory(messages);
  t.teardown(() => history.store.close());
  const stream = startSubscriber(history.store);
  if (follows) stream.subscriber.follow(history.channelId, "e1", 3);
  stream.subscriber.start(stream.outlet);
  return { ...history, ...stream };
}

test("each durable offset is delivered once, in order", async (t) => {
  // Offsets: 1 created, 2 the reader joined, 3.. the messages.
  const { at, subscriber, outlet } = await readerStream(t, 4);
  for (const offset of [4, 5, 5, 3, 4, 6]) subscriber.offer({ kind: "event", event: at(offset) });
  t.deepEqual(delivered(outlet), ["messageCreated@4", "messageCreated@5", "messageCreated@6"]);
});

test("a gap is filled from the event log before the event that revealed it", async (t) => {
  const { at, subscriber, outlet } = await readerStream(t, 6);
  subscriber.offer({ kind: "event", event: at(7) });
  subscriber.offer({ kind: "event", event: at(8) });
  await waitUntil(() => outlet.events.length >= 5, "the gap is filled");
  t.deepEqual(delivered(outlet), [
    "messageCreated@4",
    "messageCreated@5",
    "messageCreated@6",
    "messageCreated@7",
    "messageCreated@8",
  ]);
});

test("a gap the log can no longer fill is announced with channel_reset, then delivery goes on", async (t) => {
  const { store, at, subscriber, outlet } = await readerStream(t, 6);
  const eighth = at(8);
  // Retention took the whole log.
  await store.events.prune({ eventsBefore: 1_000_000, keysBefore: 0 });
  subscriber.offer({ kind: "event", event: eighth });
  await waitUntil(() => outlet.events.length >= 2, "the reset and the event arrive");
  t.deepEqual(delivered(outlet), ["reset(DELIVERY_GAP@7)", "messageCreated@8"]);
});

test("an event of another epoch resets the channel at that event", async (t) => {
  const { at, subscriber, outlet } = await readerStream(t, 2);
  const reborn = (offset: number) => {
    const event = clone(MessagingEventSchema, at(4));
    event.epoch = "e2";
    event.offset = BigInt(offset);
    return event;
  };
  subscriber.offer({ kind: "event", event: reborn(2) });
  await waitUntil(() => outlet.events.length >= 1, "the reset arrives");
  subscriber.offer({ kind: "event", event: reborn(3) });
  await waitUntil(() => outlet.events.length >= 2, "the next event of the new epoch arrives");
  t.deepEqual(delivered(outlet), ["reset(EPOCH_CHANGED@2)", "messageCreated@3"]);
  const reset = outlet.events[0]?.payload;
  t.is(reset?.case === "channelReset" ? reset.value.epoch : "", "e2");
});

test("a channel not followed starts with the caller's own joining; its deletion ends it, even past a gap", async (t) => {
  const { channelId, at, subscriber, outlet, attached } = await readerStream(t, 2, false);
  subscriber.offer({ kind: "event", event: at(3) });
  t.deepEqual(delivered(outlet), [], "not followed: someone else's message is not for this stream");

  // The reader's joining (offset 2) starts the channel.
  const joining = at(2);
  t.is(
    joining.payload.case === "membershipChanged" && joining.payload.value.change,
    MembershipChange.JOINED,
  );
  subscriber.offer({ kind: "event", event: joining });
  subscriber.offer({ kind: "event", event: at(3) });
  t.deepEqual(attached, [channelId]);

  // The channel's deletion, past a gap, is delivered at once (no log read, no reset), and ends it.
  const deletion = clone(MessagingEventSchema, at(3));
  deletion.offset = 9n;
  deletion.payload = {
    case: "channelDeleted",
    value: create(ChannelDeletedSchema, { actorUserId: OWNER }),
  };
  subscriber.offer({ kind: "event", event: deletion });
  const later = clone(MessagingEventSchema, at(4));
  later.offset = 10n;
  subscriber.offer({ kind: "event", event: later });
  t.deepEqual(delivered(outlet), ["membershipChanged@2", "messageCreated@3", "channelDeleted@9"]);
});

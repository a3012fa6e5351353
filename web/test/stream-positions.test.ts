import { create } from "@bufbuild/protobuf";
import { MessagingEventSchema, ResetReason } from "@parley/gen/parley/messaging/v1/events_pb.js";
import test from "ava";
import { StreamPositions } from "../src/lib/stream-positions.js";
import {
  CH,
  CH2,
  created,
  fresh,
  ME,
  MembershipChange,
  membership,
  recovered,
  reset,
  subscribed,
  subscribedOf,
} from "./support/events.js";

test("a first connection takes the server's positions and sends them back next time", (t) => {
  const positions = new StreamPositions();
  t.deepEqual(positions.toRequest(), []);
  const outcome = positions.onSubscribed(
    subscribedOf(subscribed([fresh(CH, "e1", 4n), fresh(CH2, "x", 0n)])),
  );
  t.deepEqual(outcome.fresh, [CH, CH2]);
  t.is(positions.accept(created(5n), ME), "apply");
  t.deepEqual(positions.toRequest(), [
    { channelId: CH, epoch: "e1", offset: 5n },
    { channelId: CH2, epoch: "x", offset: 0n },
  ]);
});

test("repeats are dropped, the next offset is applied, a hole means reset", (t) => {
  const positions = new StreamPositions();
  positions.onSubscribed(subscribedOf(subscribed([fresh(CH, "e1", 10n)])));
  t.is(positions.accept(created(10n), ME), "duplicate", "at the position");
  t.is(positions.accept(created(9n), ME), "duplicate", "below it");
  t.is(positions.accept(created(11n), ME), "apply");
  t.is(positions.accept(created(11n), ME), "duplicate", "the same event twice");
  t.is(positions.accept(created(13n), ME), "reset", "12 is missing");
  t.deepEqual(positions.get(CH), { epoch: "e1", offset: 13n }, "continues after the hole");
  t.is(positions.accept(created(14n, undefined, "e2"), ME), "reset", "another epoch");
  t.deepEqual(positions.get(CH), { epoch: "e2", offset: 14n });
});

test("RECOVERED keeps the client's position (the replay follows); RESET and gone do not", (t) => {
  const positions = new StreamPositions();
  positions.onSubscribed(subscribedOf(subscribed([fresh(CH, "e1", 3n), fresh(CH2, "e9", 7n)])));
  const outcome = positions.onSubscribed(
    subscribedOf(
      subscribed([recovered(CH, "e1", 6n), reset(CH2, "e10", 2n)], { goneChannelIds: [] }),
    ),
  );
  t.deepEqual(outcome.recovered, [CH]);
  t.deepEqual(outcome.reset, [CH2]);
  t.deepEqual(positions.get(CH), { epoch: "e1", offset: 3n }, "replayed events move it");
  t.is(positions.accept(created(4n), ME), "apply");
  t.deepEqual(positions.get(CH2), { epoch: "e10", offset: 2n });
  const gone = positions.onSubscribed(
    subscribedOf(subscribed([recovered(CH, "e1", 4n)], { goneChannelIds: [CH2] })),
  );
  t.deepEqual(gone.gone, [CH2]);
  t.is(positions.get(CH2), undefined);
});

test("a channel joined while connected starts with its membership event; leaving forgets it", (t) => {
  const positions = new StreamPositions();
  positions.onSubscribed(subscribedOf(subscribed([])));
  t.is(positions.accept(membership(8n, ME, MembershipChange.JOINED), ME), "apply");
  t.deepEqual(positions.get(CH), { epoch: "e1", offset: 8n });
  t.is(positions.accept(membership(9n, ME, MembershipChange.LEFT), ME), "apply");
  t.is(positions.get(CH), undefined, "nothing to recover for a channel one left");
});

test("channel_reset moves the position to the one given and asks for a reload", (t) => {
  const positions = new StreamPositions();
  positions.onSubscribed(subscribedOf(subscribed([fresh(CH, "e1", 3n)])));
  const event = create(MessagingEventSchema, {
    channelId: CH,
    payload: {
      case: "channelReset",
      value: { epoch: "e2", offset: 40n, reason: ResetReason.DELIVERY_GAP },
    },
  });
  t.is(positions.accept(event, ME), "reset");
  t.deepEqual(positions.get(CH), { epoch: "e2", offset: 40n });
  t.is(positions.accept(created(41n, undefined, "e2"), ME), "apply");
});

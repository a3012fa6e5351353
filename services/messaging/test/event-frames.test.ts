/**
 * The pre-encoded frames Subscribe writes to serve()'s stream sinks must be byte for byte what
 * connect would have written for `SubscribeResponse { event }`, in both codecs; and an event is
 * encoded (and decoded) at most once per process.
 */
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import {
  MessageCreatedSchema,
  type MessagingEvent,
  MessagingEventSchema,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import { MessageSchema } from "@parley/gen/parley/messaging/v1/message_pb.js";
import { SubscribeResponseSchema } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { frameMessage } from "@parley/mesh";
import test from "ava";
import fc from "fast-check";
import { decodeEvent, encodeChannelEvent, encodeEvent, peekPosition } from "../src/event-codec.js";
import { subscribeResponseFrame } from "../src/live/event-frames.js";

function messageEvent(text: string): MessagingEvent {
  return create(MessagingEventSchema, {
    channelId: "0b5f6f8e-6f43-4bd8-9f3c-1d1c1b5e0a01",
    epoch: "epoch-1",
    offset: 42n,
    payload: {
      case: "messageCreated",
      value: create(MessageCreatedSchema, {
        message: create(MessageSchema, { id: "m1", text, seq: 7n }),
      }),
    },
  });
}

test("proto frames equal connect's encoding of SubscribeResponse, at every length size", (t) => {
  // Event sizes whose length varint takes 1, 2, 3 and 4 bytes.
  for (const size of [0, 100, 127, 128, 16_383, 16_384, 300_000, 2_200_000]) {
    const event = messageEvent("x".repeat(size));
    const expected = frameMessage(
      toBinary(SubscribeResponseSchema, create(SubscribeResponseSchema, { event })),
    );
    t.deepEqual(subscribeResponseFrame(event, "proto"), expected, `text of ${size} bytes`);
  }
});

test("JSON frames equal connect's JSON serialization of SubscribeResponse", (t) => {
  const event = messageEvent('héllo "quoted" 👋');
  const expected = frameMessage(
    new TextEncoder().encode(
      toJsonString(SubscribeResponseSchema, create(SubscribeResponseSchema, { event })),
    ),
  );
  t.deepEqual(subscribeResponseFrame(event, "json"), expected);
});

test("frames are built once per event and codec, and shared", (t) => {
  const event = messageEvent("shared");
  t.is(subscribeResponseFrame(event, "proto"), subscribeResponseFrame(event, "proto"));
  t.is(subscribeResponseFrame(event, "json"), subscribeResponseFrame(event, "json"));
});

test("an event decoded from bytes is framed from those very bytes", (t) => {
  const bytes = toBinary(MessagingEventSchema, messageEvent("from the bus"));
  const event = decodeEvent(bytes);
  t.is(encodeEvent(event), bytes, "no second encoding");
  const frame = subscribeResponseFrame(event, "proto");
  t.deepEqual(frame.subarray(frame.byteLength - bytes.byteLength), bytes);
});

test("the bytes the store encoded decode to the very event object they came from", (t) => {
  const bytes = encodeChannelEvent({
    channelId: "0b5f6f8e-6f43-4bd8-9f3c-1d1c1b5e0a01",
    epoch: "e",
    offset: 3,
    time: Date.UTC(2030, 0, 1),
    payload: { case: "channelDeleted", actorId: "u1" },
  });
  const event = decodeEvent(bytes);
  t.is(decodeEvent(bytes), event);
  t.is(event.offset, 3n);
  t.is(event.payload.case, "channelDeleted");
  t.is(encodeEvent(event), bytes);
  // A copy of the bytes (as from the bus) is decoded afresh, to an equal event.
  const copy = decodeEvent(new Uint8Array(bytes));
  t.not(copy, event);
  t.deepEqual(toBinary(MessagingEventSchema, copy), bytes);
});

test("peekPosition reads channel, epoch and offset of any encoded event, and never throws", (t) => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.string({ maxLength: 64 }),
      fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
      fc.string(),
      (channelId, epoch, offset, text) => {
        const bytes = toBinary(
          MessagingEventSchema,
          create(MessagingEventSchema, {
            channelId,
            epoch,
            offset,
            time: { seconds: 5n, nanos: 1 },
            payload: {
              case: "messageCreated",
              value: create(MessageCreatedSchema, { message: create(MessageSchema, { text }) }),
            },
          }),
        );
        const position = peekPosition(bytes);
        return (
          position?.channelId === channelId &&
          position.epoch === epoch &&
          position.offset === Number(offset)
        );
      },
    ),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      peekPosition(bytes);
      return true;
    }),
  );
  t.is(peekPosition(new Uint8Array(0))?.offset, 0, "an empty event is at offset 0");
  t.is(peekPosition(new Uint8Array([0x1a, 0xff])), undefined, "a cut varint is no position");
});

import { create, toJsonString } from "@bufbuild/protobuf";
import type { MessagingEvent } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { SubscribeResponseSchema } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { frameMessage, type StreamCodec } from "@parley/mesh";
import { encodeEvent } from "../event-codec.js";

/**
 * The wire frames of `SubscribeResponse { event }`, built once per event and codec and shared by
 * every stream the event goes to (see the mesh's `StreamSink`). Weakly held: a frame lives as
 * long as its event.
 */
const frames = new WeakMap<MessagingEvent, { proto?: Uint8Array; json?: Uint8Array }>();
const utf8 = new TextEncoder();

/** The framed `SubscribeResponse` carrying `event`, in `codec`. */
export function subscribeResponseFrame(event: MessagingEvent, codec: StreamCodec): Uint8Array {
  let cached = frames.get(event);
  if (!cached) {
    cached = {};
    frames.set(event, cached);
  }
  if (codec === "proto") {
    cached.proto ??= protoFrame(encodeEvent(event));
    return cached.proto;
  }
  // What connect's JSON serialization writes for the same response (default JSON options).
  cached.json ??= frameMessage(
    utf8.encode(toJsonString(SubscribeResponseSchema, create(SubscribeResponseSchema, { event }))),
  );
  return cached.json;
}

/** Tag of `SubscribeResponse.event`: field 1, length-delimited. */
const EVENT_FIELD_TAG = (1 << 3) | 2;

/**
 * `[flags 0][u32 length]` + `SubscribeResponse` (its one field, the event, around the event's
 * bytes as they are), in one allocation: what protobuf-es and connect would write, without
 * encoding the event again.
 */
function protoFrame(event: Uint8Array): Uint8Array {
  const length = event.byteLength;
  let varintBytes = 1;
  while (length >= 2 ** (7 * varintBytes)) varintBytes++;
  const messageLength = 1 + varintBytes + length;
  const frame = new Uint8Array(5 + messageLength);
  new DataView(frame.buffer).setUint32(1, messageLength);
  frame[5] = EVENT_FIELD_TAG;
  let at = 6;
  let rest = length;
  while (rest >= 0x80) {
    frame[at++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  frame[at++] = rest;
  frame.set(event, at);
  return frame;
}

import type { TraceCarrier } from "../bus/consumer-span.js";

/**
 * The bytes of one bus message on a Redis channel:
 *
 * ```
 * [u8 version = 1][u16 big-endian carrier length N][N bytes carrier JSON, UTF-8][payload bytes]
 * ```
 *
 * The carrier is the publisher's W3C trace context (`{"traceparent": ..., "tracestate": ...}`),
 * N = 0 when there is none. A binary frame rather than JSON or base64 keeps the payload (a
 * protobuf message) as it is: no re-encoding, and two bytes of overhead besides the carrier.
 * The version byte lets the format change without a new instance misreading an old one's frames
 * (or the reverse) during a rolling deploy: unknown versions are dropped, not guessed at.
 */
export const BUS_FRAME_VERSION = 1;

const HEADER_BYTES = 3;
const MAX_CARRIER_BYTES = 0xffff;

/** A decoded bus frame. */
export interface BusFrame {
  readonly carrier: TraceCarrier;
  readonly payload: Uint8Array;
}

/**
 * Builds the frame for one publish. A carrier too large for the header (a pathological
 * `tracestate`) is left out: the message matters more than its trace.
 */
export function encodeBusFrame(carrier: TraceCarrier, payload: Uint8Array): Buffer {
  let json = Object.keys(carrier).length > 0 ? Buffer.from(JSON.stringify(carrier)) : undefined;
  if (json && json.length > MAX_CARRIER_BYTES) json = undefined;
  const carrierBytes = json?.length ?? 0;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + carrierBytes + payload.length);
  frame.writeUInt8(BUS_FRAME_VERSION, 0);
  frame.writeUInt16BE(carrierBytes, 1);
  json?.copy(frame, HEADER_BYTES);
  frame.set(payload, HEADER_BYTES + carrierBytes);
  return frame;
}

/**
 * Reads a frame. Throws on a frame this version cannot read (wrong version, truncated); an
 * unreadable carrier only loses the trace (an empty carrier), never the message. The payload is
 * copied into its own `Uint8Array`, so it does not pin the socket's receive buffer and every
 * handler of the message sees the same plain bytes.
 */
export function decodeBusFrame(frame: Uint8Array): BusFrame {
  if (frame.length < HEADER_BYTES) throw new Error(`bus frame too short (${frame.length} bytes)`);
  const view = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = view.readUInt8(0);
  if (version !== BUS_FRAME_VERSION) throw new Error(`unknown bus frame version ${version}`);
  const carrierBytes = view.readUInt16BE(1);
  const payloadStart = HEADER_BYTES + carrierBytes;
  if (payloadStart > view.length) throw new Error("bus frame truncated inside its trace carrier");
  const carrier =
    carrierBytes === 0 ? {} : parseCarrier(view.toString("utf8", HEADER_BYTES, payloadStart));
  return { carrier, payload: new Uint8Array(view.subarray(payloadStart)) };
}

function parseCarrier(json: string): TraceCarrier {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const carrier: TraceCarrier = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === "string") carrier[key] = field;
  }
  return carrier;
}

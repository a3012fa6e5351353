/**
 * A small OTLP/HTTP trace receiver for tests: what Jaeger's (or a collector's) port 4318 does,
 * minus the storage. Processes export to it with `OTEL_EXPORTER_OTLP_ENDPOINT=<endpoint>`; it
 * decodes every `POST /v1/traces` (`application/x-protobuf`, optionally gzip) into plain span
 * records the test can assert on: ids as lowercase hex, the OTLP span kind and status, the
 * attributes, and the `service.name` of the resource that sent them.
 *
 * The decoder reads the wire format directly with protobuf-es's `BinaryReader`: the OTLP protos
 * are not in node_modules (the SDK serializes without them), and the field numbers below are those
 * of opentelemetry-proto's `collector/trace/v1/trace_service.proto`, `trace/v1/trace.proto`,
 * `common/v1/common.proto` and `resource/v1/resource.proto`. Unknown fields are skipped, as
 * protobuf requires. `test/trace-export.test.ts` checks it against the SDK's own exporter.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

const gunzipAsync = promisify(gunzip);

/** An OTLP `AnyValue`: int64 values become numbers when they fit, bigints otherwise. */
export type AttributeValue =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | null
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = Readonly<Record<string, AttributeValue>>;

/** OTLP's `Span.SpanKind`, by name. */
export type SpanKindName =
  | "unspecified"
  | "internal"
  | "server"
  | "client"
  | "producer"
  | "consumer";

const KINDS: readonly SpanKindName[] = [
  "unspecified",
  "internal",
  "server",
  "client",
  "producer",
  "consumer",
];

/** OTLP's `Status.StatusCode`, by name. */
export type StatusCodeName = "unset" | "ok" | "error";

const STATUS_CODES: readonly StatusCodeName[] = ["unset", "ok", "error"];

/** One span as a process exported it. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly traceState: string;
  readonly flags: number;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  readonly events: readonly {
    readonly name: string;
    readonly timeUnixNano: bigint;
    readonly attributes: Attributes;
  }[];
  readonly links: readonly {
    readonly traceId: string;
    readonly spanId: string;
    readonly attributes: Attributes;
  }[];
  readonly status: { readonly code: StatusCodeName; readonly message: string };
  /** The exporting process's resource attributes (`service.name`, `service.instance.id`, ...). */
  readonly resource: Attributes;
  /** `resource["service.name"]`, for convenience. */
  readonly service: string;
  /** The instrumentation scope (the tracer's name, e.g. `@parley/mesh`). */
  readonly scope: { readonly name: string; readonly version: string };
}

export interface OtlpReceiver {
  /** The value for `OTEL_EXPORTER_OTLP_ENDPOINT`: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[];
  /** Export requests accepted so far. */
  readonly requests: number;
  /** Requests refused (bad path, content type or body), with the reason: should stay empty. */
  readonly refused: readonly string[];
  /**
   * Polls until `condition(spans)` holds (every 20 ms), then returns the spans; fails naming
   * `what` and listing what did arrive after `timeoutMs`.
   */
  waitFor(
    condition: (spans: ReceivedSpan[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const refused: string[] = [];
  let requests = 0;

  const refuse = (res: ServerResponse, status: number, reason: string) => {
    refused.push(reason);
    res.writeHead(status, { "content-type": "text/plain" }).end(reason);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      return refuse(res, 404, `${req.method} ${req.url}: only POST /v1/traces is served`);
    }
    const contentType = req.headers["content-type"] ?? "";
    if (!contentType.startsWith("application/x-protobuf")) {
      return refuse(res, 415, `content type ${contentType}: only application/x-protobuf`);
    }
    let bytes: Uint8Array = body;
    try {
      if (req.headers["content-encoding"] === "gzip") bytes = await gunzipAsync(body);
      received.push(...decodeExportTraceServiceRequest(bytes));
    } catch (err) {
      return refuse(res, 400, `undecodable export request: ${String(err)}`);
    }
    requests++;
    // An empty ExportTraceServiceResponse: everything accepted.
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) refuse(res, 500, String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    trace: (traceId) => received.filter((s) => s.traceId === traceId),
    get requests() {
      return requests;
    },
    refused,
    async waitFor(condition, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spans = [...received];
        if (condition(spans)) return spans;
        if (Date.now() > deadline) {
          const seen = spans.map((s) => `${s.service} ${s.kind} ${s.name}`).join("\n  ");
          throw new Error(`timed out waiting for ${what}; received:\n  ${seen || "(nothing)"}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Renders spans as an indented tree (children under their parent, roots first), one line each:
 * `service kind name [status]`. For test failure messages: shows at a glance what arrived.
 */
export function formatTrace(spans: readonly ReceivedSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const level = [...(children.get(parent) ?? [])].sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1,
    );
    for (const span of level) {
      const status = span.status.code === "unset" ? "" : ` [${span.status.code}]`;
      lines.push(`${"  ".repeat(depth)}${span.service} ${span.kind} ${span.name}${status}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join("\n");
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// --- OTLP wire decoding -------------------------------------------------------------------------

/** Calls `onField` for each field of one message; `onField` must consume the value or return false. */
function readFields(
  bytes: Uint8Array,
  onField: (field: number, reader: BinaryReader, wireType: WireType) => boolean,
): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!onField(field, reader, wireType)) reader.skip(wireType, field);
  }
}

/** `ExportTraceServiceRequest`: 1 resource_spans. */
export function decodeExportTraceServiceRequest(bytes: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  readFields(bytes, (field, r, wt) => {
    if (field !== 1 || wt !== WireType.LengthDelimited) return false;
    spans.push(...decodeResourceSpans(r.bytes()));
    return true;
  });
  return spans;
}

/** `ResourceSpans`: 1 resource, 2 scope_spans. */
function decodeResourceSpans(bytes: Uint8Array): ReceivedSpan[] {
  let resource: Attributes = {};
  const scopes: Uint8Array[] = [];
  readFields(bytes, (field, r, wt) => {
    if (wt !== WireType.LengthDelimited) return false;
    if (field === 1) resource = decodeResource(r.bytes());
    else if (field === 2) scopes.push(r.bytes());
    else return false;
    return true;
  });
  return scopes.flatMap((scope) => decodeScopeSpans(scope, resource));
}

/** `Resource`: 1 attributes. */
function decodeResource(bytes: Uint8Array): Attributes {
  const attributes: Record<string, AttributeValue> = {};
  readFields(bytes, (field, r, wt) => {
    if (field !== 1 || wt !== WireType.LengthDelimited) return false;
    addKeyValue(attributes, r.bytes());
    return true;
  });
  return attributes;
}

/** `ScopeSpans`: 1 scope (`InstrumentationScope`: 1 name, 2 version), 2 spans. */
function decodeScopeSpans(bytes: Uint8Array, resource: Attributes): ReceivedSpan[] {
  const scope = { name: "", version: "" };
  const spans: Uint8Array[] = [];
  readFields(bytes, (field, r, wt) => {
    if (wt !== WireType.LengthDelimited) return false;
    if (field === 1) {
      readFields(r.bytes(), (f, s, w) => {
        if (w !== WireType.LengthDelimited || (f !== 1 && f !== 2)) return false;
        scope[f === 1 ? "name" : "version"] = s.string();
        return true;
      });
    } else if (field === 2) {
      spans.push(r.bytes());
    } else {
      return false;
    }
    return true;
  });
  return spans.map((span) => decodeSpan(span, resource, scope));
}

/**
 * `Span`: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind,
 * 7 start_time_unix_nano, 8 end_time_unix_nano, 9 attributes, 11 events, 13 links, 15 status,
 * 16 flags.
 */
function decodeSpan(
  bytes: Uint8Array,
  resource: Attributes,
  scope: ReceivedSpan["scope"],
): ReceivedSpan {
  let traceId = "";
  let spanId = "";
  let parentSpanId: string | undefined;
  let traceState = "";
  let name = "";
  let kind = 0;
  let start = 0n;
  let end = 0n;
  let flags = 0;
  const attributes: Record<string, AttributeValue> = {};
  const events: ReceivedSpan["events"][number][] = [];
  const links: ReceivedSpan["links"][number][] = [];
  let status: ReceivedSpan["status"] = { code: "unset", message: "" };
  readFields(bytes, (field, r, wt) => {
    switch (`${field}:${wt}`) {
      case `1:${WireType.LengthDelimited}`:
        traceId = hex(r.bytes());
        return true;
      case `2:${WireType.LengthDelimited}`:
        spanId = hex(r.bytes());
        return true;
      case `3:${WireType.LengthDelimited}`:
        traceState = r.string();
        return true;
      case `4:${WireType.LengthDelimited}`: {
        const parent = r.bytes();
        parentSpanId = parent.length > 0 ? hex(parent) : undefined;
        return true;
      }
      case `5:${WireType.LengthDelimited}`:
        name = r.string();
        return true;
      case `6:${WireType.Varint}`:
        kind = r.int32();
        return true;
      case `7:${WireType.Bit64}`:
        start = BigInt(r.fixed64());
        return true;
      case `8:${WireType.Bit64}`:
        end = BigInt(r.fixed64());
        return true;
      case `9:${WireType.LengthDelimited}`:
        addKeyValue(attributes, r.bytes());
        return true;
      case `11:${WireType.LengthDelimited}`:
        events.push(decodeEvent(r.bytes()));
        return true;
      case `13:${WireType.LengthDelimited}`:
        links.push(decodeLink(r.bytes()));
        return true;
      case `15:${WireType.LengthDelimited}`:
        status = decodeStatus(r.bytes());
        return true;
      case `16:${WireType.Bit32}`:
        flags = r.fixed32();
        return true;
      default:
        return false;
    }
  });
  const service = resource["service.name"];
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind: KINDS[kind] ?? "unspecified",
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    events,
    links,
    status,
    resource,
    service: typeof service === "string" ? service : "",
    scope,
  };
}

/** `Span.Event`: 1 time_unix_nano, 2 name, 3 attributes. */
function decodeEvent(bytes: Uint8Array): ReceivedSpan["events"][number] {
  let name = "";
  let timeUnixNano = 0n;
  const attributes: Record<string, AttributeValue> = {};
  readFields(bytes, (field, r, wt) => {
    if (field === 1 && wt === WireType.Bit64) timeUnixNano = BigInt(r.fixed64());
    else if (field === 2 && wt === WireType.LengthDelimited) name = r.string();
    else if (field === 3 && wt === WireType.LengthDelimited) addKeyValue(attributes, r.bytes());
    else return false;
    return true;
  });
  return { name, timeUnixNano, attributes };
}

/** `Span.Link`: 1 trace_id, 2 span_id, 4 attributes. */
function decodeLink(bytes: Uint8Array): ReceivedSpan["links"][number] {
  let traceId = "";
  let spanId = "";
  const attributes: Record<string, AttributeValue> = {};
  readFields(bytes, (field, r, wt) => {
    if (wt !== WireType.LengthDelimited) return false;
    if (field === 1) traceId = hex(r.bytes());
    else if (field === 2) spanId = hex(r.bytes());
    else if (field === 4) addKeyValue(attributes, r.bytes());
    else return false;
    return true;
  });
  return { traceId, spanId, attributes };
}

/** `Status`: 2 message, 3 code. */
function decodeStatus(bytes: Uint8Array): ReceivedSpan["status"] {
  let code = 0;
  let message = "";
  readFields(bytes, (field, r, wt) => {
    if (field === 2 && wt === WireType.LengthDelimited) message = r.string();
    else if (field === 3 && wt === WireType.Varint) code = r.int32();
    else return false;
    return true;
  });
  return { code: STATUS_CODES[code] ?? "unset", message };
}

/** `KeyValue`: 1 key, 2 value; added to `into`. */
function addKeyValue(into: Record<string, AttributeValue>, bytes: Uint8Array): void {
  let key = "";
  let value: AttributeValue = null;
  readFields(bytes, (field, r, wt) => {
    if (wt !== WireType.LengthDelimited) return false;
    if (field === 1) key = r.string();
    else if (field === 2) value = decodeAnyValue(r.bytes());
    else return false;
    return true;
  });
  into[key] = value;
}

/**
 * `AnyValue` (a oneof): 1 string, 2 bool, 3 int64, 4 double, 5 array (`ArrayValue`: 1 values),
 * 6 kvlist (`KeyValueList`: 1 values), 7 bytes. An empty AnyValue is `null`.
 */
function decodeAnyValue(bytes: Uint8Array): AttributeValue {
  let value: AttributeValue = null;
  readFields(bytes, (field, r, wt) => {
    switch (`${field}:${wt}`) {
      case `1:${WireType.LengthDelimited}`:
        value = r.string();
        return true;
      case `2:${WireType.Varint}`:
        value = r.bool();
        return true;
      case `3:${WireType.Varint}`: {
        const int = BigInt(r.int64());
        value = Number.isSafeInteger(Number(int)) ? Number(int) : int;
        return true;
      }
      case `4:${WireType.Bit64}`:
        value = r.double();
        return true;
      case `5:${WireType.LengthDelimited}`: {
        const items: AttributeValue[] = [];
        readFields(r.bytes(), (f, s, w) => {
          if (f !== 1 || w !== WireType.LengthDelimited) return false;
          items.push(decodeAnyValue(s.bytes()));
          return true;
        });
        value = items;
        return true;
      }
      case `6:${WireType.LengthDelimited}`: {
        const entries: Record<string, AttributeValue> = {};
        readFields(r.bytes(), (f, s, w) => {
          if (f !== 1 || w !== WireType.LengthDelimited) return false;
          addKeyValue(entries, s.bytes());
          return true;
        });
        value = entries;
        return true;
      }
      case `7:${WireType.LengthDelimited}`:
        value = r.bytes();
        return true;
      default:
        return false;
    }
  });
  return value;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

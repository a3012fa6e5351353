/**
 * Property-based robustness testing for any Connect/gRPC service, driven by its descriptors.
 *
 * {@link requestArbitrary} walks a method's input `DescMessage` with protobuf-es reflection and
 * builds fast-check arbitraries for every field: strings (unicode, empty, control characters,
 * very long), numbers at their extremes, enums including unknown values, repeated and map fields,
 * nested messages, optional fields and oneofs. Where a field carries protovalidate rules
 * (`buf.validate.field`), some values respect them, so generated requests also get past
 * validation and into handlers; the rest break them on purpose. Messages are built with
 * `create()`.
 *
 * Around that: {@link callRpc} calls any method kind over any transport, the raw-body
 * arbitraries feed the wire decoders garbage, and {@link http1Request}/{@link h2Request} send
 * requests that no client library would send. Nothing here knows a particular service, so
 * every service's fuzz test can reuse it.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as h2Connect,
  type IncomingHttpHeaders,
} from "node:http2";
import {
  create,
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescMethodStreaming,
  type DescMethodUnary,
  type DescService,
  getOption,
  hasOption,
  isFieldSet,
  type JsonValue,
  type Message,
  ScalarType,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import {
  type FieldRules,
  field as fieldRulesExtension,
  type RepeatedRules,
  RepeatedRulesSchema,
  type StringRules,
  StringRulesSchema,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import fc from "fast-check";

// A failing property prints its seed and path; `PARLEY_FUZZ_SEED=<seed>` replays that run.
if (process.env.PARLEY_FUZZ_SEED) {
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(process.env.PARLEY_FUZZ_SEED) });
}

/** How generated requests look. */
export interface FuzzOptions {
  /** Nesting limit for message fields (recursive messages stop here). Default 3. */
  readonly maxDepth?: number;
  /** Most elements of repeated and map fields, besides rule boundaries. Default 6. */
  readonly maxItems?: number;
  /** Length of the longest "very long" string or byte array. Default 16 384. */
  readonly maxLongLength?: number;
  /**
   * Values worth trying for particular fields, mixed in with the generated ones: ids that exist,
   * tokens the server issued, names that are taken. Keyed by full field name
   * (`package.Message.field_name`); for repeated fields a hint gives single elements.
   */
  readonly hints?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

/** Codes that mean the server failed rather than the caller: a fuzzed request must never get them. */
export const SERVER_FAULT_CODES: ReadonlySet<Code> = new Set([
  Code.Internal,
  Code.Unknown,
  Code.DataLoss,
  Code.Unimplemented,
]);

/**
 * `grpc-status` values that mean the server failed: unknown, internal, data_loss. Not
 * unimplemented: gRPC and Connect answer a request with the wrong number of messages (say an
 * empty body for a unary method) with it, so raw bodies can earn it honestly.
 */
const SERVER_FAULT_GRPC_STATUSES: ReadonlySet<number> = new Set([
  Code.Unknown,
  Code.Internal,
  Code.DataLoss,
]);

type Mode = "valid" | "mixed" | "hostile";

/** `seconds` bounds of well-known types (Timestamp: years 1 to 9999; Duration: 10,000 years). */
const WKT_SECONDS: Readonly<Record<string, bigint>> = {
  "google.protobuf.Timestamp": 62_135_596_800n,
  "google.protobuf.Duration": 315_576_000_000n,
};

const ABSENT = Symbol("absent");

/**
 * Requests for `method`, as messages of its input type. A third are built to pass the input's
 * protovalidate rules (as far as this helper understands them), a third break every field, and
 * a third mix both per field.
 */
export function requestArbitrary(
  method: DescMethod,
  options: FuzzOptions = {},
): fc.Arbitrary<Message> {
  return messageArbitrary(method.input, options);
}

/** {@link requestArbitrary} for every method of a service, keyed by method name. */
export function serviceRequestArbitraries(
  service: DescService,
  options: FuzzOptions = {},
): Map<string, { method: DescMethod; requests: fc.Arbitrary<Message> }> {
  return new Map(
    service.methods.map((method) => [
      method.name,
      { method, requests: requestArbitrary(method, options) },
    ]),
  );
}

/** Messages of type `schema`, generated as {@link requestArbitrary} describes. */
function messageArbitrary(schema: DescMessage, options: FuzzOptions = {}): fc.Arbitrary<Message> {
  const gen = new Generator(options);
  return fc.oneof(
    gen.message(schema, "valid", 0),
    gen.message(schema, "mixed", 0),
    gen.message(schema, "hostile", 0),
  );
}

/** Strings no input handling should trip over. */
const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  " \t\r\n ",
  "\u0000",
  "a\u0000b",
  "\u00a0",
  "\u200b",
  "\u202e",
  "\ufeff",
  "\ud83d\ude00",
  "\ud800",
  "\udfff",
  "\u0130",
  "\u00df",
  "\ufb00",
  "\u212a",
  "e\u0301",
  "null",
  "undefined",
  "NaN",
  "-1",
  "1e309",
  "[]",
  "{}",
  '{"$gt":""}',
  "' OR '1'='1' --",
  "%s%n%x",
  "%00",
  "../../../../etc/passwd",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "\r\nX-Injected: 1",
  "*",
  "%",
  "_",
];

class Generator {
  private readonly maxDepth: number;
  private readonly maxItems: number;
  private readonly maxLong: number;
  private readonly hints: Readonly<Record<string, fc.Arbitrary<unknown>>>;

  constructor(options: FuzzOptions) {
    this.maxDepth = options.maxDepth ?? 3;
    this.maxItems = options.maxItems ?? 6;
    this.maxLong = options.maxLongLength ?? 16_384;
    this.hints = options.hints ?? {};
  }

  message(schema: DescMessage, mode: Mode, depth: number): fc.Arbitrary<Message> {
    // Well-known types with a valid range (proto JSON refuses the rest): inside it unless hostile.
    const range = mode === "hostile" ? undefined : WKT_SECONDS[schema.typeName];
    if (range) {
      return (
        fc
          .record({
            seconds: fc.bigInt(-range, range),
            nanos: fc.integer({ min: 0, max: 999_999_999 }),
          })
          // A negative Duration carries negative nanos.
          .map(({ seconds, nanos }) =>
            create(schema, { seconds, nanos: seconds < 0n ? -nanos : nanos }),
          )
      );
    }
    const parts: fc.Arbitrary<[string, unknown]>[] = [];
    for (const member of schema.members) {
      if (member.kind === "oneof") {
        const cases = member.fields.flatMap((f) => {
          const value = this.single(f, mode, depth);
          return value ? [value.map((v) => ({ case: f.localName, value: v }))] : [];
        });
        parts.push(
          fc
            .oneof(fc.constant(ABSENT), ...cases)
            .map((value) => [member.localName, value] as [string, unknown]),
        );
        continue;
      }
      const field = member;
      let value: fc.Arbitrary<unknown>;
      if (field.fieldKind === "list") value = this.list(field, mode, depth);
      else if (field.fieldKind === "map") value = this.map(field, mode, depth);
      else value = this.single(field, mode, depth) ?? fc.constant(ABSENT);
      const explicit =
        field.fieldKind === "message" ||
        ((field.fieldKind === "scalar" || field.fieldKind === "enum") &&
          field.presence !== FeatureSet_FieldPresence.IMPLICIT);
      const required = mode === "valid" && rulesOf(field)?.required === true;
      if (explicit && !required) value = fc.oneof(fc.constant(ABSENT), value);
      parts.push(value.map((v) => [field.localName, v] as [string, unknown]));
    }
    return fc.tuple(...parts).map((entries) => {
      const init: Record<string, unknown> = {};
      for (const [key, value] of entries) if (value !== ABSENT) init[key] = value;
      return create(schema, init);
    });
  }

  /**
   * One value of a singular field (or one element of a list, one value of a map); undefined for
   * a message field past the depth limit, which then stays unset (or empty).
   */
  private single(
    field: DescField,
    mode: Mode,
    depth: number,
    rules = rulesOf(field),
  ): fc.Arbitrary<unknown> | undefined {
    let kind: "scalar" | "enum" | "message";
    if (field.fieldKind === "list") kind = field.listKind;
    else if (field.fieldKind === "map") kind = field.mapKind;
    else kind = field.fieldKind;
    let base: fc.Arbitrary<unknown>;
    if (kind === "message") {
      const message = field.message;
      if (!message || depth >= this.maxDepth) return undefined;
      base = this.message(message, mode, depth + 1);
    } else if (kind === "enum") {
      const desc = field.enum;
      base = desc ? enumValue(desc, mode, rules) : fc.integer();
    } else {
      const scalar = field.scalar ?? ScalarType.STRING;
      const longAsString = "longAsString" in field && field.longAsString === true;
      base = this.scalar(scalar, longAsString, mode, rules);
    }
    const hint = this.hints[`${field.parent.typeName}.${field.name}`];
    return hint ? fc.oneof({ arbitrary: base, weight: 2 }, { arbitrary: hint, weight: 1 }) : base;
  }

  private list(field: DescField, mode: Mode, depth: number): fc.Arbitrary<unknown[]> {
    const rules = rulesOf(field);
    const repeated = rules?.type.case === "repeated" ? rules.type.value : undefined;
    const itemRules = repeated?.items;
    const element = this.single(field, mode, depth, itemRules);
    if (!element) return fc.constant([]);
    const [min, max] = itemBounds(repeated, this.maxItems);
    const lengths =
      mode === "valid"
        ? fc.integer({ min, max: Math.min(max, min + this.maxItems) })
        : fc.oneof(
            fc.integer({ min: 0, max: this.maxItems }),
            fc.constantFrom(...new Set([min, max, max + 1, Math.max(0, min - 1)])),
          );
    return lengths.chain((n) => fc.array(element, { minLength: n, maxLength: n }));
  }

  private map(field: DescField, mode: Mode, depth: number): fc.Arbitrary<Record<string, unknown>> {
    if (field.fieldKind !== "map") return fc.constant({});
    const key =
      field.mapKey === ScalarType.BOOL
        ? fc.boolean().map(String)
        : this.scalar(field.mapKey, true, mode === "valid" ? "valid" : "hostile", undefined).map(
            String,
          );
    const value = this.single(field, mode, depth);
    if (!value) return fc.constant({});
    return fc
      .array(fc.tuple(key, value), { maxLength: this.maxItems })
      .map((entries) => Object.fromEntries(entries));
  }

  private scalar(
    type: ScalarType,
    longAsString: boolean,
    mode: Mode,
    rules: FieldRules | undefined,
  ): fc.Arbitrary<unknown> {
    switch (type) {
      case ScalarType.STRING: {
        const stringRules = rules?.type.case === "string" ? rules.type.value : undefined;
        const valid = validString(stringRules);
        if (mode === "valid") return valid;
        const hostile = this.hostileString(stringRules);
        return mode === "hostile" ? hostile : fc.oneof(valid, hostile);
      }
      case ScalarType.BYTES:
        return fc.oneof(
          { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 4 },
          fc.uint8Array({ minLength: 1024, maxLength: this.maxLong }),
        );
      case ScalarType.BOOL:
        return fc.boolean();
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return this.integer(-(2 ** 31), 2 ** 31 - 1, mode, rules);
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return this.integer(0, 2 ** 32 - 1, mode, rules);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return this.bigint(-(2n ** 63n), 2n ** 63n - 1n, mode, rules).map((v) =>
          longAsString ? String(v) : v,
        );
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return this.bigint(0n, 2n ** 64n - 1n, mode, rules).map((v) =>
          longAsString ? String(v) : v,
        );
      case ScalarType.FLOAT:
        return fc.oneof(
          fc.float(),
          fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, 3.4028234663852886e38),
        );
      case ScalarType.DOUBLE:
        return fc.oneof(
          fc.double(),
          fc.constantFrom(0, -0, Number.NaN, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, 5e-324),
        );
    }
  }

  private integer(min: number, max: number, mode: Mode, rules: FieldRules | undefined) {
    const [lo, hi] = numericBounds(rules, BigInt(min), BigInt(max));
    const extremes = fc.constantFrom(min, max, 0, -1, 1, Number(lo), Number(hi));
    const anyValue = fc.oneof(extremes, fc.integer({ min, max }));
    if (mode === "hostile" || hi < lo) return anyValue.filter((v) => v >= min && v <= max);
    const valid = fc.oneof(
      fc.constantFrom(Number(lo), Number(hi)),
      fc.integer({ min: Number(lo), max: Number(hi) }),
    );
    return mode === "valid"
      ? valid
      : fc.oneof(
          valid,
          anyValue.filter((v) => v >= min && v <= max),
        );
  }

  private bigint(min: bigint, max: bigint, mode: Mode, rules: FieldRules | undefined) {
    const [lo, hi] = numericBounds(rules, min, max);
    const anyValue = fc.oneof(
      fc.constantFrom(min, max, 0n, 1n, 2n ** 53n + 1n),
      fc.bigInt(min, max),
    );
    if (mode === "hostile" || hi < lo) return anyValue.filter((v) => v >= min && v <= max);
    const valid = fc.oneof(fc.constantFrom(lo, hi), fc.bigInt(lo, hi));
    return mode === "valid"
      ? valid
      : fc.oneof(
          valid,
          anyValue.filter((v) => v >= min && v <= max),
        );
  }

  /** Strings meant to be refused, or at least to hurt: odd unicode, boundaries, huge. */
  private hostileString(rules: StringRules | undefined): fc.Arbitrary<string> {
    const boundaries: number[] = [];
    if (rules && isFieldSet(rules, StringRulesSchema.field.maxLen)) {
      boundaries.push(Number(rules.maxLen), Number(rules.maxLen) + 1);
    }
    if (rules && isFieldSet(rules, StringRulesSchema.field.minLen) && rules.minLen > 0n) {
      boundaries.push(Number(rules.minLen) - 1);
    }
    const arbs: fc.Arbitrary<string>[] = [
      fc.constantFrom(...NASTY_STRINGS),
      fc.string({ unit: "binary", maxLength: 48 }),
      fc.string({ unit: "grapheme", maxLength: 48 }),
      fc.string({ unit: "grapheme-composite", maxLength: 16 }),
      fc
        .tuple(
          fc.constantFrom("a", "\u00e9", "\ud83d\ude00", "\u0000", " ", "e\u0301"),
          fc.integer({ min: 256, max: this.maxLong }),
        )
        .map(([chunk, n]) => chunk.repeat(n)),
    ];
    if (boundaries.length > 0) {
      // Exactly at and just past the limits, in 1-, 2- and 4-byte characters: rules count code
      // points, the wire counts bytes.
      arbs.push(
        fc
          .tuple(fc.constantFrom(...boundaries), fc.constantFrom("x", "\u00e9", "\ud83d\ude00"))
          .map(([n, c]) => c.repeat(Math.max(0, n))),
      );
    }
    return fc.oneof(...arbs);
  }
}

/** protovalidate rules of a field, if it has any. */
function rulesOf(field: DescField): FieldRules | undefined {
  return hasOption(field, fieldRulesExtension) ? getOption(field, fieldRulesExtension) : undefined;
}

function itemBounds(rules: RepeatedRules | undefined, maxItems: number): [number, number] {
  const min =
    rules && isFieldSet(rules, RepeatedRulesSchema.field.minItems) ? Number(rules.minItems) : 0;
  const max =
    rules && isFieldSet(rules, RepeatedRulesSchema.field.maxItems)
      ? Number(rules.maxItems)
      : Math.max(min, maxItems);
  return [min, max];
}

/** The `[gt(e), lt(e)]` range of a numeric rule, intersected with the type's range. */
function numericBounds(rules: FieldRules | undefined, min: bigint, max: bigint): [bigint, bigint] {
  const r = rules?.type.value as
    | {
        lessThan?: { case?: string; value?: number | bigint };
        greaterThan?: { case?: string; value?: number | bigint };
      }
    | undefined;
  const big = (v: number | bigint) => (typeof v === "bigint" ? v : BigInt(Math.trunc(v)));
  let lo = min;
  let hi = max;
  const gt = r?.greaterThan;
  if (gt?.value !== undefined) {
    const v = big(gt.value);
    lo = gt.case === "gt" ? v + 1n : v;
  }
  const lt = r?.lessThan;
  if (lt?.value !== undefined) {
    const v = big(lt.value);
    hi = lt.case === "lt" ? v - 1n : v;
  }
  return [lo > min ? lo : min, hi < max ? hi : max];
}

function enumValue(
  desc: DescEnum,
  mode: Mode,
  rules: FieldRules | undefined,
): fc.Arbitrary<number> {
  const enumRules = rules?.type.case === "enum" ? rules.type.value : undefined;
  const known = desc.values.map((v) => v.number);
  const unknown = fc.oneof(
    fc.constantFrom(-1, 2 ** 31 - 1, -(2 ** 31), Math.max(...known) + 1),
    fc.integer(),
  );
  if (mode === "hostile") return fc.oneof(fc.constantFrom(...known), unknown);
  let allowed = enumRules?.in.length ? enumRules.in : known;
  if (enumRules?.notIn.length) allowed = allowed.filter((n) => !enumRules.notIn.includes(n));
  const valid = allowed.length > 0 ? fc.constantFrom(...allowed) : fc.constantFrom(...known);
  return mode === "valid" ? valid : fc.oneof(valid, unknown);
}

/** Strings that satisfy the common protovalidate string rules (length, pattern, well-known). */
function validString(rules: StringRules | undefined): fc.Arbitrary<string> {
  if (!rules) return fc.string({ maxLength: 32 });
  if (rules.in.length > 0) return fc.constantFrom(...rules.in);
  if (isFieldSet(rules, StringRulesSchema.field.const)) return fc.constant(rules.const);
  const min = Number(rules.len || rules.minLen || 0n);
  const max = isFieldSet(rules, StringRulesSchema.field.maxLen)
    ? Number(rules.maxLen)
    : isFieldSet(rules, StringRulesSchema.field.len)
      ? Number(rules.len)
      : Number.POSITIVE_INFINITY;
  let base: fc.Arbitrary<string> | undefined;
  switch (rules.wellKnown.case) {
    case "uuid":
      base = fc.uuid();
      break;
    case "tuuid":
      base = fc.uuid().map((u) => u.replaceAll("-", ""));
      break;
    case "email":
      base = fc.emailAddress();
      break;
    case "hostname":
      base = fc.domain();
      break;
    case "ipv4":
      base = fc.ipV4();
      break;
    case "ipv6":
      base = fc.ipV6();
      break;
    case "ip":
      base = fc.oneof(fc.ipV4(), fc.ipV6());
      break;
    case "uri":
    case "uriRef":
      base = fc.webUrl();
      break;
    default:
      break;
  }
  if (!base && rules.pattern) {
    try {
      base = fc.stringMatching(new RegExp(rules.pattern), { size: "small" });
    } catch {
      // An RE2 pattern JavaScript cannot compile: fall back to length-only strings.
    }
  }
  const maxLength = Math.min(max, min + 64);
  base ??= fc.oneof(
    { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: min, maxLength }), weight: 3 },
    fc.string({ unit: "grapheme", minLength: min, maxLength }),
  );
  // Mapped into the length limits rather than filtered: a filter that rarely passes (a long
  // pattern, a short max_len) would stall generation. Best effort: the cut may break a pattern.
  return base
    .map((s) => `${rules.prefix}${s}${rules.suffix}`)
    .map((s) => (rules.contains && !s.includes(rules.contains) ? `${s}${rules.contains}` : s))
    .map((s) => fitLength(s, min, max));
}

/** `s` cut or padded to between `min` and `max` code points (protovalidate counts those). */
function fitLength(s: string, min: number, max: number): string {
  const points = [...s];
  if (points.length > max) return points.slice(0, max).join("");
  if (points.length < min) return s + "a".repeat(min - points.length);
  return s;
}

/** Whether the message can be written as proto JSON (e.g. out-of-range Timestamps cannot). */
export function jsonEncodable(schema: DescMessage, message: Message): boolean {
  try {
    toJson(schema, message as never);
    return true;
  } catch {
    return false;
  }
}

/** The outcome of one call: `ok`, or the ConnectError it failed with. */
export type RpcOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: ConnectError };

/**
 * Calls `method` with `requests` (the first one for unary and server-streaming methods) over any
 * transport and reads at most `maxResponses` responses of a stream (streams such as Watch never
 * end by themselves, so they are cancelled after that or after `streamWindowMs`).
 */
export async function callRpc(
  transport: Transport,
  method: DescMethod,
  requests: readonly Message[],
  options: {
    readonly headers?: HeadersInit;
    readonly timeoutMs?: number;
    readonly maxResponses?: number;
    readonly streamWindowMs?: number;
  } = {},
): Promise<RpcOutcome> {
  const { headers, timeoutMs = 10_000, maxResponses = 3, streamWindowMs = 300 } = options;
  const first = requests[0] ?? create(method.input);
  try {
    if (method.methodKind === "unary") {
      await transport.unary(method as DescMethodUnary, undefined, timeoutMs, headers, first);
      return { ok: true };
    }
    const abort = new AbortController();
    const window = setTimeout(() => abort.abort(), streamWindowMs);
    try {
      const input = method.methodKind === "server_streaming" ? [first] : (requests as Message[]);
      const res = await transport.stream(
        method as DescMethodStreaming,
        abort.signal,
        timeoutMs,
        headers,
        (async function* () {
          yield* input as never[];
        })(),
      );
      let seen = 0;
      for await (const _ of res.message) {
        if (++seen >= maxResponses) break;
      }
      return { ok: true };
    } catch (err) {
      if (abort.signal.aborted) return { ok: true };
      throw err;
    } finally {
      clearTimeout(window);
      abort.abort();
    }
  } catch (err) {
    return { ok: false, error: ConnectError.from(err) };
  }
}

/** Describes a failed outcome for an assertion message (code, message, cause). */
export function describeOutcome(outcome: RpcOutcome): string {
  if (outcome.ok) return "ok";
  const { error } = outcome;
  return `${Code[error.code]}: ${error.rawMessage}${error.cause ? ` (cause: ${String(error.cause)})` : ""}`;
}

/** Random bytes, sometimes huge. */
function randomBytes(maxLength = 2048): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 3 },
    fc.uint8Array({ maxLength }),
    fc.constant(new Uint8Array()),
  );
}

/** A valid binary encoding, damaged: bytes overwritten, cut short or extended with junk. */
function mutatedBinary(
  schema: DescMessage,
  messages: fc.Arbitrary<Message>,
): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      messages,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.oneof(fc.constant(undefined), fc.nat()),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([message, flips, cut, tail]) => {
      const valid = toBinary(schema, message as never);
      const bytes = Uint8Array.from([...valid, ...tail]);
      for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
      return cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
    });
}

/**
 * Protobuf-shaped garbage: well-formed tags with every wire type for field numbers the schema
 * has (so the decoder reaches each field with the wrong wire type, bad lengths, invalid UTF-8).
 */
function wireGarbage(schema: DescMessage): fc.Arbitrary<Uint8Array> {
  const numbers = [...schema.fields.map((f) => f.number), 1, 2, 3, 15, 16, 536_870_911];
  const record = fc
    .tuple(
      fc.constantFrom(...numbers),
      fc.integer({ min: 0, max: 7 }),
      fc.oneof(fc.nat({ max: 300 }), fc.constant(0xffff_ffff)),
      fc.uint8Array({ maxLength: 24 }),
    )
    .map(([number, wireType, len, payload]) => [
      ...varint(number * 8 + wireType),
      ...(wireType === 2 ? varint(len) : []),
      ...payload,
    ]);
  return fc.array(record, { minLength: 1, maxLength: 6 }).map((rs) => Uint8Array.from(rs.flat()));
}

/** Base-128 varint of a non-negative integer below 2^53. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** Bodies for `application/proto`: random bytes, damaged valid encodings and wire garbage. */
export function protoBodyArbitrary(
  schema: DescMessage,
  messages: fc.Arbitrary<Message>,
): fc.Arbitrary<Uint8Array> {
  return fc.oneof(randomBytes(), mutatedBinary(schema, messages), wireGarbage(schema));
}

/**
 * Bodies for `application/json`: random bytes, random JSON documents, and the JSON of a valid
 * message with fields swapped for random JSON values (wrong types, huge numbers, nesting).
 */
export function jsonBodyArbitrary(
  schema: DescMessage,
  messages: fc.Arbitrary<Message>,
): fc.Arbitrary<Uint8Array> {
  const names = schema.fields.flatMap((f) => [f.jsonName, f.name]);
  const weird = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    trickyJson(),
    fc.constantFrom<JsonValue>(
      -1,
      2 ** 64,
      Number.MAX_SAFE_INTEGER + 2,
      "NaN",
      "Infinity",
      "-0",
      "1e1000",
      "9223372036854775808",
      "0x10",
      true,
      null,
      [],
      {},
      "\u0000",
      { "@type": "x" },
    ),
  );
  const mangled = fc
    .tuple(
      messages,
      fc.array(fc.tuple(names.length > 0 ? fc.constantFrom(...names) : fc.string(), weird), {
        maxLength: 4,
      }),
    )
    .map(([message, swaps]) => {
      let base: Record<string, unknown> = {};
      try {
        base = toJson(schema, message as never) as Record<string, unknown>;
      } catch {
        // not JSON-encodable: start from an empty object
      }
      for (const [key, value] of swaps) base[key] = value;
      return JSON.stringify(base);
    });
  const text = fc.oneof(
    fc.json({ maxDepth: 3 }),
    mangled,
    fc.constantFrom(
      "",
      "{",
      "[",
      "{}}",
      '{"a":1,"a":2}',
      "\ufeff{}",
      "nul",
      '{"__proto__":{"x":1}}',
      '{"x":1e309}',
      '{"x":-1e309}',
      `${"[".repeat(5000)}${"]".repeat(5000)}`,
      `{"x":"${"\\u0000".repeat(100)}"}`,
    ),
    fc.string({ unit: "binary", maxLength: 64 }),
  );
  return fc.oneof(
    { arbitrary: text.map((s) => new TextEncoder().encode(s)), weight: 4 },
    randomBytes(),
  );
}

/** A gRPC length-prefixed message: flags byte, big-endian length, payload. */
function grpcEnvelope(payload: Uint8Array, flags = 0, declaredLength = payload.length) {
  const frame = new Uint8Array(5 + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, flags);
  view.setUint32(1, declaredLength >>> 0);
  frame.set(payload, 5);
  return frame;
}

/**
 * Bodies for `application/grpc`: raw random bytes (random framing), and envelopes around
 * protobuf garbage with random flags (compressed, trailer bit) or a wrong declared length.
 */
export function grpcBodyArbitrary(
  schema: DescMessage,
  messages: fc.Arbitrary<Message>,
): fc.Arbitrary<Uint8Array> {
  const payload = protoBodyArbitrary(schema, messages);
  const envelope = fc
    .tuple(
      payload,
      fc.oneof(
        { arbitrary: fc.constant(0), weight: 3 },
        fc.constantFrom(1, 2, 0x80, 0xff),
        fc.integer({ min: 0, max: 255 }),
      ),
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 3 },
        fc.constantFrom(0, 0xffff_ffff, 0x7fff_ffff, 5 * 1024 * 1024),
        fc.nat({ max: 4096 }),
      ),
      fc.integer({ min: 1, max: 3 }),
    )
    .map(([body, flags, declared, count]) => {
      const one = grpcEnvelope(body, flags, declared ?? body.length);
      const all = new Uint8Array(one.length * count);
      for (let i = 0; i < count; i++) all.set(one, i * one.length);
      return all;
    });
  return fc.oneof(randomBytes(), envelope);
}

/** Characters fetch and node:http2 accept in a header value (visible ASCII, space, tab). */
const HEADER_CHARS = fc.oneof(
  {
    arbitrary: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    weight: 20,
  },
  fc.constantFrom(" ", "\t"),
);

/** A header value of up to `maxLength` safe characters (whitespace trimmed, as clients do). */
function headerValue(maxLength = 64): fc.Arbitrary<string> {
  return fc.string({ unit: HEADER_CHARS, maxLength }).map((s) => s.trim());
}

/**
 * Bytes of header values one generated request may carry: with the longest generated path
 * (4 KB) the request stays under Node's default 16 KiB limit on the request line plus headers.
 */
const HEADER_BUDGET = 10_000;

/** A very long header value, within {@link HEADER_BUDGET}. */
function hugeHeaderValue(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom("a", "A", "=", "."), fc.integer({ min: 1024, max: 6_000 }))
    .map(([c, n]) => c.repeat(n));
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/**
 * JSON objects with the keys JavaScript treats specially (`toString`, `valueOf`, `__proto__`,
 * `then`, ...) bound to non-functions: code that interpolates, awaits or merges a parsed value
 * trips over them with a TypeError instead of a clean refusal.
 */
function trickyJson(): fc.Arbitrary<JsonValue> {
  return fc.dictionary(
    fc.constantFrom(
      "toString",
      "valueOf",
      "__proto__",
      "constructor",
      "then",
      "toJSON",
      "length",
      "hasOwnProperty",
    ),
    fc.oneof(fc.constantFrom(null, 1, "x", true), fc.jsonValue({ maxDepth: 1 })),
    { minKeys: 1, maxKeys: 3 },
  ) as fc.Arbitrary<JsonValue>;
}

/**
 * `Authorization` header values a verifier must refuse without failing: garbage, wrong schemes,
 * empty or doubled bearer tokens, and JWT-shaped tokens with random headers (alg `none`, odd
 * `kid` types, `crit`) and payloads. `kids` (the key ids the server publishes) get fake tokens
 * past the key lookup, to the signature check. Valid for HTTP headers.
 */
export function garbageAuthorization(kids: readonly string[] = []): fc.Arbitrary<string> {
  const jwtHeader = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        {
          alg: fc.oneof(
            fc.constantFrom("EdDSA", "none", "HS256", "RS256", "ES256", "", "NONE"),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          kid: fc.oneof(
            fc.string(),
            fc.jsonValue({ maxDepth: 2 }),
            { arbitrary: trickyJson(), weight: 2 },
            ...(kids.length > 0 ? [{ arbitrary: fc.constantFrom(...kids), weight: 3 }] : []),
          ),
          typ: fc.oneof(fc.constant("JWT"), fc.string(), trickyJson()),
          crit: fc.oneof(
            fc.constant(["b64"]),
            fc.array(fc.string(), { maxLength: 2 }),
            trickyJson(),
          ),
          b64: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
          jwk: fc.oneof(fc.jsonValue({ maxDepth: 2 }), trickyJson()),
        },
        { requiredKeys: [] },
      ),
    },
    fc.jsonValue({ maxDepth: 2 }),
    trickyJson(),
  );
  const jwtPayload = fc.oneof(
    fc.record(
      {
        iss: fc.oneof(fc.constant("parley-auth"), fc.jsonValue({ maxDepth: 1 })),
        aud: fc.oneof(fc.constant("parley"), fc.jsonValue({ maxDepth: 1 })),
        sub: fc.oneof(fc.uuid(), fc.jsonValue({ maxDepth: 1 })),
        role: fc.oneof(fc.constantFrom("admin", "member"), fc.jsonValue({ maxDepth: 1 })),
        jti: fc.oneof(fc.uuid(), fc.jsonValue({ maxDepth: 1 })),
        exp: fc.oneof(fc.constant(4_102_444_800), fc.jsonValue({ maxDepth: 1 })),
        iat: fc.oneof(fc.constant(0), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const signature = fc.oneof(
    fc.constant(""),
    fc
      .uint8Array({ minLength: 64, maxLength: 64 })
      .map((b) => Buffer.from(b).toString("base64url")),
    headerValue(20),
  );
  const fakeJwt = fc
    .tuple(jwtHeader, jwtPayload, signature)
    .map(([h, p, s]) => `${base64url(JSON.stringify(h))}.${base64url(JSON.stringify(p))}.${s}`);
  const token = fc.oneof(
    fakeJwt,
    headerValue(80),
    fc.constantFrom("a.b.c", "..", ".", "e30.e30.", "e30.e30.e30", "null", "undefined"),
  );
  return fc.oneof(
    { arbitrary: fakeJwt.map((t) => `Bearer ${t}`), weight: 6 },
    token.map((t) => `Bearer ${t}`),
    token.map((t) => `bearer  ${t}  `),
    fc.tuple(token, token).map(([a, b]) => `Bearer ${a} ${b}`),
    fc.constantFrom("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token x", "Bearer\tx", "Bearer,"),
    headerValue(),
    hugeHeaderValue().map((v) => `Bearer ${v}`),
  );
}

/** A response as sent, without client-side interpretation. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The gRPC status of a raw response (trailers, or headers for trailers-only responses). */
function grpcStatusOf(res: RawResponse): number | undefined {
  const raw = res.trailers["grpc-status"] ?? res.headers["grpc-status"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : Number(value);
}

/**
 * One HTTP/2 request with prior knowledge (h2c) or TLS, on its own connection, so whatever the
 * server does to it (GOAWAY, RST_STREAM) cannot leak into the next request. Done when the
 * response has ended, as gRPC clients do: a server may answer (say, with an error trailer) before
 * reading the whole request body, and then stops granting flow-control window for the rest.
 * Rejects when the stream fails without a response, or after `timeoutMs` (default 10 s).
 */
export async function h2Request(
  baseUrl: string,
  request: {
    readonly method?: string;
    readonly path: string;
    readonly headers?: Record<string, string>;
    readonly body?: Uint8Array;
    readonly timeoutMs?: number;
    /** Settle at the first response bytes (an accepted server stream never ends by itself). */
    readonly firstChunkOnly?: boolean;
  },
): Promise<RawResponse> {
  const session: ClientHttp2Session = h2Connect(baseUrl);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<RawResponse>((resolve, reject) => {
      const timeoutMs = request.timeoutMs ?? 10_000;
      timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      session.on("error", reject);
      const body = request.body && request.body.length > 0 ? Buffer.from(request.body) : undefined;
      const stream = session.request(
        { ":method": request.method ?? "POST", ":path": request.path, ...request.headers },
        { endStream: body === undefined },
      );
      let headers: IncomingHttpHeaders | undefined;
      let trailers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      const settle = () => {
        const status = Number(headers?.[":status"]);
        if (!headers || !Number.isFinite(status)) {
          reject(new Error(`stream ended without a response (rst code ${stream.rstCode})`));
        } else {
          resolve({ status, headers, trailers, body: Buffer.concat(chunks) });
        }
      };
      stream.on("response", (h) => {
        headers = h;
      });
      stream.on("trailers", (t) => {
        trailers = t;
      });
      stream.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (request.firstChunkOnly) settle();
      });
      stream.on("end", settle);
      stream.on("close", settle);
      stream.on("error", (err) => (headers ? settle() : reject(err)));
      if (body) void writeWithBackPressure(stream, body);
    });
  } finally {
    clearTimeout(timer);
    session.destroy();
  }
}

/**
 * Writes `body` in chunks as the stream's flow control admits them, the way real clients do.
 * One write of the whole body would hand it all to the session at once: a body larger than
 * the session's memory limit then makes the client itself refuse the answer's HEADERS
 * (NGHTTP2_ENHANCE_YOUR_CALM) when the server answers before reading it all.
 */
async function writeWithBackPressure(stream: ClientHttp2Stream, body: Buffer): Promise<void> {
  const chunkBytes = 64 * 1024;
  for (let offset = 0; offset < body.length && !stream.destroyed; offset += chunkBytes) {
    if (!stream.write(body.subarray(offset, offset + chunkBytes))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off("drain", done);
          stream.off("close", done);
          resolve();
        };
        stream.on("drain", done);
        stream.on("close", done);
      });
    }
  }
  if (!stream.destroyed) stream.end();
}

/**
 * One HTTP/1.1 request through `fetch`. Methods `fetch` refuses to send with a body (GET, HEAD)
 * are sent without one.
 */
export async function http1Request(
  baseUrl: string,
  request: {
    readonly method?: string;
    readonly path: string;
    readonly headers?: Record<string, string>;
    readonly body?: Uint8Array;
    readonly timeoutMs?: number;
    /** Settle at the first response bytes (an accepted server stream never ends by itself). */
    readonly firstChunkOnly?: boolean;
  },
): Promise<RawResponse> {
  const method = request.method ?? "POST";
  const withBody = method !== "GET" && method !== "HEAD";
  // Concatenated, not resolved: a path such as "//x" must stay a path, not become a host.
  const res = await fetch(`${baseUrl}${request.path}`, {
    method,
    headers: request.headers,
    body: withBody && request.body ? Buffer.from(request.body) : undefined,
    signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
  });
  const body = request.firstChunkOnly
    ? await firstChunk(res)
    : Buffer.from(await res.arrayBuffer());
  const headers: IncomingHttpHeaders = Object.fromEntries(res.headers);
  return { status: res.status, headers, trailers: {}, body };
}

/** The first bytes of a response body, then the rest is cancelled. */
async function firstChunk(res: Response): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return Buffer.from(value ?? new Uint8Array());
}

/**
 * A response that means the server failed: 5xx, or a gRPC status of a server fault. The one 5xx
 * the Connect protocol prescribes for a caller's mistake is allowed: 501 `unimplemented` for a
 * compression the server does not support.
 */
export function responseFault(res: RawResponse): string | undefined {
  const text = res.body.toString("utf8");
  if (
    res.status === 501 &&
    /^\{"code":"unimplemented","message":"unknown compression /.test(text)
  ) {
    return undefined;
  }
  if (res.status >= 500) return `HTTP ${res.status}: ${text.slice(0, 300)}`;
  const status = grpcStatusOf(res);
  if (status !== undefined && SERVER_FAULT_GRPC_STATUSES.has(status)) {
    const message = res.trailers["grpc-message"] ?? res.headers["grpc-message"];
    return `grpc-status ${status}: ${decodeURIComponent(String(message ?? ""))}`;
  }
  return undefined;
}

/** "HTTP 400", or "HTTP 200 grpc-status 3" for gRPC. */
export function describeAnswer(res: RawResponse): string {
  const status = grpcStatusOf(res);
  return `HTTP ${res.status}${status === undefined ? "" : ` grpc-status ${status}`}`;
}

/** A method of `service` with random bodies for each encoding, for {@link sendRawBodies}. */
function rawBodiesArbitrary(service: DescService) {
  return fc.constantFrom(...service.methods).chain((method) => {
    const messages = requestArbitrary(method);
    return fc.record({
      method: fc.constant(method),
      proto: protoBodyArbitrary(method.input, messages),
      json: jsonBodyArbitrary(method.input, messages),
      grpc: grpcBodyArbitrary(method.input, messages),
    });
  });
}

/**
 * One method's random bodies sent raw as Connect proto, Connect JSON (HTTP/1.1) and gRPC (h2c),
 * with the streaming content types for server streams. An accepted stream is read up to its
 * first bytes, then cancelled: it would otherwise stay open for good.
 */
export async function sendRawBodies(
  baseUrl: string,
  service: DescService,
  method: DescMethod,
  bodies: { readonly proto: Uint8Array; readonly json: Uint8Array; readonly grpc: Uint8Array },
  headers: Record<string, string>,
): Promise<Array<[string, RawResponse]>> {
  const path = `/${service.typeName}/${method.name}`;
  const streaming = method.methodKind !== "unary";
  const connect = streaming ? "application/connect+" : "application/";
  const options = { path, firstChunkOnly: streaming };
  return [
    [
      "Connect proto",
      await http1Request(baseUrl, {
        ...options,
        headers: { ...headers, "content-type": `${connect}proto` },
        body: bodies.proto,
      }),
    ],
    [
      "Connect JSON",
      await http1Request(baseUrl, {
        ...options,
        headers: { ...headers, "content-type": `${connect}json` },
        body: bodies.json,
      }),
    ],
    [
      "gRPC",
      await h2Request(baseUrl, {
        ...options,
        headers: { ...headers, "content-type": "application/grpc", te: "trailers" },
        body: bodies.grpc,
      }),
    ],
  ];
}

/**
 * The property every service's fuzz test checks with raw bodies: random bodies for random
 * methods of `service`, sent with {@link sendRawBodies} under a random bearer, never get a 5xx or
 * a server-fault status ({@link responseFault}). Each answer is counted in `answers`.
 */
export function rawBodiesNeverFault<B>(
  baseUrl: string,
  service: DescService,
  bearers: fc.Arbitrary<B>,
  headersFor: (bearer: B) => Record<string, string>,
  answers: { add(answer: string): void },
) {
  return fc.asyncProperty(
    rawBodiesArbitrary(service),
    bearers,
    async ({ method, ...raw }, bearer) => {
      const answered = await sendRawBodies(baseUrl, service, method, raw, headersFor(bearer));
      for (const [name, res] of answered) {
        answers.add(describeAnswer(res));
        const fault = responseFault(res);
        if (fault) throw new Error(`${method.name}, ${name}: ${fault}`);
      }
    },
  );
}

/**
 * The property "random HTTP requests never get a 5xx or a server-fault status": each request of
 * {@link httpRequestArbitrary} is sent over HTTP/1.1 and over HTTP/2 (h2c), and every answer is
 * tallied into `answers`.
 */
export function randomRequestsNeverFault(
  baseUrl: string,
  service: DescService,
  options: Parameters<typeof httpRequestArbitrary>[1],
  answers: { add(answer: string): void },
) {
  return fc.asyncProperty(httpRequestArbitrary(service, options), async (request) => {
    const h2Headers = { ...request.headers };
    // HTTP/2 allows `te` only as "trailers" (node:http2 refuses to send anything else).
    if (h2Headers.te !== undefined && h2Headers.te !== "trailers") delete h2Headers.te;
    const results: [string, RawResponse][] = [
      ["HTTP/1.1", await http1Request(baseUrl, request)],
      ["HTTP/2", await h2Request(baseUrl, { ...request, headers: h2Headers })],
    ];
    for (const [name, res] of results) {
      answers.add(describeAnswer(res));
      const fault = responseFault(res);
      if (fault)
        throw new Error(`${request.method} ${request.path.slice(0, 80)} (${name}): ${fault}`);
    }
  });
}

/** A random HTTP request aimed at a service's routes and around them. */
export interface RandomHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** Header names the server or the protocols read, besides random ones. */
const INTERESTING_HEADERS = [
  "content-type",
  "authorization",
  "connect-protocol-version",
  "connect-timeout-ms",
  "connect-content-encoding",
  "connect-accept-encoding",
  "content-encoding",
  "accept-encoding",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "te",
  "traceparent",
  "tracestate",
  "baggage",
  "x-forwarded-for",
  "x-grpc-web",
  "x-user-agent",
  "accept",
  "origin",
  "cookie",
  "range",
  "if-none-match",
];

/** Header names `fetch` or node:http2 manage themselves (or refuse): never generated. */
const MANAGED_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "expect",
  "proxy-connection",
  "http2-settings",
]);

/**
 * Random requests: methods (known and invented), paths (the service's RPC paths with random
 * suffixes and queries, near misses, traversal, encodings, very long), headers (protocol
 * headers with random values, garbage `authorization`, huge values, random names) and bodies.
 */
export function httpRequestArbitrary(
  service: DescService,
  options: {
    /** Non-RPC paths the server serves, e.g. `/.well-known/jwks.json`. */
    readonly extraPaths?: readonly string[];
    /** Key ids the server publishes, for fake tokens (see {@link garbageAuthorization}). */
    readonly kids?: readonly string[];
  } = {},
): fc.Arbitrary<RandomHttpRequest> {
  const { extraPaths = [], kids = [] } = options;
  const rpcPaths = [
    ...service.methods.map((m) => `/${service.typeName}/${m.name}`),
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
    ...extraPaths,
  ];
  const query = fc.oneof(
    fc.constant(""),
    fc
      .record(
        {
          connect: fc.constantFrom("v1", "v2", "", "x"),
          encoding: fc.constantFrom("proto", "json", "", "xml"),
          base64: fc.constantFrom("1", "0", "x"),
          compression: fc.constantFrom("gzip", "br", "identity", "zz"),
          message: fc.oneof(
            fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString("base64url")),
            fc.json({ maxDepth: 2 }),
            headerValue(40),
          ),
        },
        { requiredKeys: [] },
      )
      .map((q) => `?${new URLSearchParams(q as Record<string, string>).toString()}`),
    headerValue(40).map((s) => `?${encodeURIComponent(s)}`),
  );
  const segment = fc.oneof(
    fc.webSegment(),
    fc.constantFrom("..", ".", "%2e%2e", "%00", "%2F", "%ZZ", "~", "", "\u00e9"),
    headerValue(16),
  );
  const path = fc.oneof(
    {
      arbitrary: fc.tuple(fc.constantFrom(...rpcPaths), query).map(([p, q]) => `${p}${q}`),
      weight: 6,
    },
    fc
      .tuple(fc.constantFrom(...rpcPaths), segment)
      .map(([p, s]) => `${p}/${encodeURI(s).replaceAll("?", "%3F").replaceAll("#", "%23")}`),
    fc.constantFrom(...rpcPaths).map((p) => p.toLowerCase()),
    fc.constantFrom(...rpcPaths).map((p) => p.replace(/\/[^/]*$/, "/NoSuchMethod")),
    fc.constantFrom(
      "/",
      "//",
      "/./",
      "/../",
      "/.well-known/jwks.json",
      "/index.html",
      "/favicon.ico",
    ),
    fc
      .array(segment, { maxLength: 6 })
      .map(
        (segs) =>
          `/${segs.map((s) => encodeURI(s).replaceAll("?", "%3F").replaceAll("#", "%23")).join("/")}`,
      ),
    fc.integer({ min: 1000, max: 4000 }).map((n) => `/${"a".repeat(n)}`),
  );
  const method = fc.oneof(
    { arbitrary: fc.constant("POST"), weight: 4 },
    fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
    fc.stringMatching(/^[A-Z]{1,10}$/).filter((m) => !["CONNECT", "TRACE", "TRACK"].includes(m)),
  );
  const contentType = fc.oneof(
    {
      arbitrary: fc.constantFrom(
        "application/proto",
        "application/json",
        "application/grpc",
        "application/grpc+proto",
        "application/grpc+json",
        "application/grpc-web+proto",
        "application/connect+proto",
        "application/connect+json",
      ),
      weight: 4,
    },
    fc.constantFrom(
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "application/grpc-web",
      "application/grpc-web-text",
      "text/plain",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
      "",
    ),
    headerValue(40),
  );
  const headerName = fc.oneof(
    { arbitrary: fc.constantFrom(...INTERESTING_HEADERS), weight: 3 },
    fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
  );
  const headers = fc
    .tuple(
      contentType,
      fc.oneof(fc.constant(undefined), garbageAuthorization(kids)),
      fc.array(
        fc.tuple(headerName, fc.oneof({ arbitrary: headerValue(), weight: 5 }, hugeHeaderValue())),
        { maxLength: 5 },
      ),
    )
    .map(([type, authorization, extra]) => {
      const h: Record<string, string> = {};
      if (type) h["content-type"] = type;
      if (authorization) h.authorization = authorization;
      let size = (type?.length ?? 0) + (authorization?.length ?? 0);
      for (const [name, value] of extra) {
        if (MANAGED_HEADERS.has(name) || size + value.length > HEADER_BUDGET) continue;
        size += value.length;
        h[name] = value;
      }
      return h;
    });
  return fc.record({ method, path, headers, body: randomBytes() });
}

/**
 * Envoy's own API schema, loaded from the .proto files `@grpc/grpc-js-xds` ships (envoy-api, xds,
 * googleapis, protoc-gen-validate) with protobufjs, and a strict reader that checks a config the
 * way Envoy reads its bootstrap: proto3 JSON mapping (YAML is JSON to Envoy), unknown fields
 * rejected at every level, every `google.protobuf.Any` resolved by its `@type` and checked
 * recursively, enum names valid, at most one member per oneof, plus the protoc-gen-validate
 * rules Envoy enforces on load (required fields and oneofs, lengths, bounds) and no deprecated
 * fields. Envoy itself cannot run on the build machine; this is the closest static stand-in.
 *
 * Why protobufjs and a hand-written reader rather than protoc + a JSON parser: the shipped
 * `validate.proto` is older than the Envoy API beside it (no `ignore_empty`), which protoc
 * refuses while protobufjs keeps the option values as data; and protobufjs' own `fromObject` is
 * lenient (it drops unknown keys), so strictness has to be written out anyway.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import type * as Protobuf from "protobufjs";

const require = createRequire(import.meta.url);
// The protobufjs that @grpc/proto-loader itself uses (it is not a direct dependency here).
const protobuf = createRequire(require.resolve("@grpc/proto-loader/package.json"))(
  "protobufjs",
) as typeof Protobuf;

const xdsDir = dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
/** The include roots shipped with @grpc/grpc-js-xds, in protoc's -I order. */
export const ENVOY_PROTO_ROOTS: readonly string[] = [
  "envoy-api",
  "xds",
  "googleapis",
  "protoc-gen-validate",
].map((dir) => join(xdsDir, "deps", dir));
// google/protobuf/descriptor.proto (options are declared on it); the other well-known types are
// built into protobufjs.
const PROTOBUFJS_DIR = dirname(
  createRequire(require.resolve("@grpc/proto-loader/package.json")).resolve(
    "protobufjs/package.json",
  ),
);

/** The loaded schema. */
export interface EnvoySchema {
  readonly root: Protobuf.Root;
  /** Envoy API files loaded (every `envoy/**.proto` whose imports are all shipped). */
  readonly files: readonly string[];
  /** Envoy API files left out because an import is not shipped (old v2 APIs, a few others). */
  readonly skipped: readonly string[];
}

let cached: EnvoySchema | undefined;

/**
 * Loads every Envoy API file whose imports can all be found in the shipped roots, so any
 * extension's `@type` a config may name resolves. Cached: loading takes a few hundred ms.
 */
export function loadEnvoySchema(): EnvoySchema {
  if (cached) return cached;
  const envoyRoot = ENVOY_PROTO_ROOTS[0] as string;
  const all = listProtoFiles(join(envoyRoot, "envoy")).map((f) => relative(envoyRoot, f));
  const resolvable = new Map<string, boolean>();
  const files = all.filter((f) => importsResolve(f, resolvable));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => locate(target) ?? target;
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  cached = { root, files, skipped: all.filter((f) => !files.includes(f)) };
  return cached;
}

function listProtoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listProtoFiles(path);
    return entry.name.endsWith(".proto") ? [path] : [];
  });
}

/** A shipped file's absolute path, or undefined (well-known types are protobufjs built-ins). */
function locate(file: string): string | undefined {
  for (const dir of [...ENVOY_PROTO_ROOTS, PROTOBUFJS_DIR]) {
    const path = join(dir, file);
    if (existsSync(path)) return path;
  }
  return undefined;
}

const BUILT_IN =
  /^google\/protobuf\/(any|duration|empty|field_mask|struct|timestamp|wrappers)\.proto$/;

function importsResolve(file: string, memo: Map<string, boolean>): boolean {
  const known = memo.get(file);
  if (known !== undefined) return known;
  memo.set(file, true); // cycles resolve to "fine so far"
  if (BUILT_IN.test(file)) return true;
  const path = locate(file);
  let ok = path !== undefined;
  if (path) {
    const source = readFileSync(path, "utf8");
    for (const match of source.matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)";/gm)) {
      if (!importsResolve(match[1] as string, memo)) {
        ok = false;
        break;
      }
    }
  }
  memo.set(file, ok);
  return ok;
}

// ---------------------------------------------------------------------------------------------

/**
 * Where an `Any` may appear and which extension family its `@type` must come from, keyed by
 * `<message>.<field>`. Envoy picks the extension by the `@type`, so a resolvable type of the
 * wrong family (a router config where a transport socket belongs) is an error too.
 */
const ANY_FAMILIES: Record<string, string> = {
  "envoy.config.listener.v3.Filter.typed_config": "envoy.extensions.filters.network.",
  "envoy.config.core.v3.TransportSocket.typed_config": "envoy.extensions.transport_sockets.",
  "envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.typed_config":
    "envoy.extensions.filters.http.",
  "envoy.config.accesslog.v3.AccessLog.typed_config": "envoy.extensions.access_loggers.",
  "envoy.config.trace.v3.Tracing.Http.typed_config": "envoy.config.trace.",
  "envoy.config.route.v3.RetryPolicy.RetryHostPredicate.typed_config":
    "envoy.extensions.retry.host.",
  "envoy.config.route.v3.VirtualHost.typed_per_filter_config": "envoy.extensions.filters.http.",
  "envoy.config.route.v3.Route.typed_per_filter_config": "envoy.extensions.filters.http.",
  "envoy.config.cluster.v3.Cluster.typed_extension_protocol_options": "envoy.extensions.upstreams.",
};

/** Maps whose key must be the `@type` name of the Any it holds (Envoy looks them up so). */
const KEYED_BY_TYPE = new Set(["envoy.config.cluster.v3.Cluster.typed_extension_protocol_options"]);

/** The bootstrap's message type. */
export const BOOTSTRAP_TYPE = "envoy.config.bootstrap.v3.Bootstrap";

/**
 * Checks `value` (parsed YAML/JSON) as message `typeName` under Envoy's schema. Returns one line
 * per problem, each with the path of the offending value; empty means Envoy's parser and
 * validation would accept it as far as the schema can tell.
 */
export function checkEnvoyMessage(
  schema: EnvoySchema,
  value: unknown,
  typeName: string = BOOTSTRAP_TYPE,
): string[] {
  const problems: string[] = [];
  const type = schema.root.lookupType(typeName);
  new Reader(schema.root, problems).message(type, value, "");
  return problems;
}

type Rules = Record<string, Record<string, unknown>>;

class Reader {
  constructor(
    private readonly root: Protobuf.Root,
    private readonly problems: string[],
  ) {}

  private fail(path: string, message: string): void {
    this.problems.push(`${path || "(root)"}: ${message}`);
  }

  message(type: Protobuf.Type, value: unknown, path: string): void {
    if (this.wellKnown(type, value, path)) return;
    if (!isObject(value)) {
      this.fail(path, `expected an object (${type.fullName.slice(1)})`);
      return;
    }
    const byJsonName = new Map(type.fieldsArray.map((f) => [jsonName(f), f]));
    const present = new Set<string>();
    for (const [key, child] of Object.entries(value)) {
      const field =
        (Object.hasOwn(type.fields, key) ? type.fields[key] : undefined) ?? byJsonName.get(key);
      const at = path ? `${path}.${key}` : key;
      if (!field) {
        this.fail(at, `unknown field of ${type.fullName.slice(1)}`);
        continue;
      }
      if (present.has(field.name)) this.fail(at, `${field.name} given twice`);
      present.add(field.name);
      if (field.options?.deprecated === true) this.fail(at, "deprecated field");
      if (field.options?.["(envoy.annotations.disallowed_by_default)"] === true) {
        this.fail(at, "field disallowed by default");
      }
      this.field(type, field, child, at);
    }
    for (const oneof of type.oneofsArray) {
      const set = oneof.fieldsArray.filter((f) => present.has(f.name));
      if (set.length > 1) {
        this.fail(path, `only one of ${set.map((f) => f.name).join(", ")} (oneof ${oneof.name})`);
      }
      if (set.length === 0 && oneof.options?.["(validate.required)"] === true) {
        const names = oneof.fieldsArray.map((f) => f.name).join(", ");
        this.fail(path, `one of ${names} is required (oneof ${oneof.name})`);
      }
    }
    for (const field of type.fieldsArray) {
      // A oneof member's rules apply only when it is the member set.
      if (present.has(field.name) || field.partOf) continue;
      const rules = rulesOf(field);
      const required = ["message", "duration", "timestamp", "any"].some(
        (kind) => rules[kind]?.required === true,
      );
      if (required) this.fail(path, `${field.name} is required`);
    }
  }

  private field(owner: Protobuf.Type, field: Protobuf.Field, value: unknown, path: string): void {
    const context = `${owner.fullName.slice(1)}.${field.name}`;
    const rules = rulesOf(field);
    if (field instanceof protobuf.MapField) {
      if (!isObject(value)) {
        this.fail(path, "expected a map (object)");
        return;
      }
      const pairs = Object.entries(value);
      const minPairs = rules.map?.min_pairs;
      if (typeof minPairs === "number" && pairs.length < minPairs) {
        this.fail(path, `at least ${minPairs} entries required`);
      }
      for (const [key, item] of pairs) {
        this.mapKey(field.keyType, key, `${path}[${key}]`);
        const anyType = this.value(field, item, `${path}.${key}`, context);
        if (KEYED_BY_TYPE.has(context) && anyType !== undefined && anyType !== key) {
          this.fail(`${path}.${key}`, `key must be the @type name (${anyType})`);
        }
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.fail(path, "expected a list");
        return;
      }
      const minItems = rules.repeated?.min_items;
      if (typeof minItems === "number" && value.length < minItems) {
        this.fail(path, `at least ${minItems} items required`);
      }
      const itemRules = (rules.repeated?.items as Rules | undefined) ?? {};
      value.forEach((item, i) => {
        this.value(field, item, `${path}[${i}]`, context);
        this.scalarRules(itemRules, item, `${path}[${i}]`);
      });
      return;
    }
    this.value(field, value, path, context);
    this.scalarRules(rules, value, path);
  }

  /** Checks one value of `field`'s type; returns the resolved `@type` name when it is an Any. */
  private value(
    field: Protobuf.Field,
    value: unknown,
    path: string,
    context: string,
  ): string | undefined {
    if (value === null) {
      this.fail(path, "null is not allowed (leave the field out)");
      return undefined;
    }
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      this.enumValue(resolved, value, path);
      return undefined;
    }
    if (resolved instanceof protobuf.Type) {
      if (resolved.fullName === ".google.protobuf.Any") return this.any(value, path, context);
      this.message(resolved, value, path);
      return undefined;
    }
    this.scalar(field.type, value, path);
    return undefined;
  }

  private any(value: unknown, path: string, context: string): string | undefined {
    if (!isObject(value)) {
      this.fail(path, "expected an Any object with @type");
      return undefined;
    }
    const url = value["@type"];
    if (typeof url !== "string" || !url.includes("/")) {
      this.fail(path, "Any without a valid @type");
      return undefined;
    }
    const name = url.slice(url.lastIndexOf("/") + 1);
    let type: Protobuf.Type;
    try {
      type = this.root.lookupType(name);
    } catch {
      this.fail(`${path}.@type`, `unknown type ${name}`);
      return undefined;
    }
    const family = ANY_FAMILIES[context];
    if (family && !name.startsWith(family)) {
      this.fail(`${path}.@type`, `${name} cannot configure ${context} (expected ${family}*)`);
    }
    const { "@type": _, ...rest } = value;
    if (SPECIAL_JSON.has(type.fullName)) {
      const keys = Object.keys(rest);
      if (keys.length !== 1 || keys[0] !== "value") {
        this.fail(path, `an Any holding ${name} takes exactly {"@type", "value"}`);
      } else this.message(type, rest.value, `${path}.value`);
    } else this.message(type, rest, path);
    return name;
  }

  /** The well-known types with their own JSON form; true when `type` was one of them. */
  private wellKnown(type: Protobuf.Type, value: unknown, path: string): boolean {
    const name = type.fullName;
    if (!name.startsWith(".google.protobuf.")) return false;
    const short = name.slice(".google.protobuf.".length);
    switch (short) {
      case "Duration":
        if (typeof value !== "string" || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
          this.fail(path, `expected a duration such as "5s" or "0.25s", got ${show(value)}`);
        }
        return true;
      case "Timestamp":
        if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
          this.fail(path, `expected an RFC 3339 timestamp, got ${show(value)}`);
        }
        return true;
      case "DoubleValue":
      case "FloatValue":
        this.scalar("double", value, path);
        return true;
      case "Int64Value":
      case "UInt64Value":
      case "Int32Value":
      case "UInt32Value":
      case "BoolValue":
      case "StringValue":
      case "BytesValue":
        this.scalar(short.replace(/Value$/, "").toLowerCase(), value, path);
        return true;
      case "Struct":
        if (!isObject(value)) this.fail(path, "expected an object (Struct)");
        return true;
      case "ListValue":
        if (!Array.isArray(value)) this.fail(path, "expected a list (ListValue)");
        return true;
      case "Value":
        return true;
      case "FieldMask":
        if (typeof value !== "string") this.fail(path, "expected a field mask string");
        return true;
      case "Empty":
        if (!isObject(value) || Object.keys(value).length > 0) this.fail(path, "expected {}");
        return true;
      default:
        return false;
    }
  }

  private enumValue(type: Protobuf.Enum, value: unknown, path: string): void {
    const name =
      typeof value === "number"
        ? Object.keys(type.values).find((k) => type.values[k] === value)
        : value;
    if (typeof name !== "string" || !Object.hasOwn(type.values, name)) {
      const allowed = Object.keys(type.values).join(", ");
      this.fail(path, `${show(value)} is not a value of ${type.fullName.slice(1)} (${allowed})`);
      return;
    }
    const options = (
      type as Protobuf.Enum & { valuesOptions?: Record<string, Record<string, unknown>> }
    ).valuesOptions?.[name];
    if (options?.deprecated === true) this.fail(path, `${name} is deprecated`);
    if (options?.["(envoy.annotations.disallowed_by_default_enum)"] === true) {
      this.fail(path, `${name} is disallowed by default`);
    }
  }

  private mapKey(keyType: string, key: string, path: string): void {
    if (keyType === "string") return;
    if (keyType === "bool") {
      if (key !== "true" && key !== "false") this.fail(path, "expected a bool key");
      return;
    }
    this.scalar(keyType, key, path);
  }

  private scalar(kind: string, value: unknown, path: string): void {
    const integer = (min: bigint, max: bigint) => {
      const text = typeof value === "number" || typeof value === "string" ? String(value) : "";
      if (!/^-?\d+$/.test(text) || (typeof value === "number" && !Number.isSafeInteger(value))) {
        this.fail(path, `expected an integer (${kind}), got ${show(value)}`);
        return;
      }
      const n = BigInt(text);
      if (n < min || n > max) this.fail(path, `${text} is out of range for ${kind}`);
    };
    switch (kind) {
      case "double":
      case "float":
        if (
          typeof value !== "number" &&
          !(
            typeof value === "string" &&
            /^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(value)
          )
        ) {
          this.fail(path, `expected a number, got ${show(value)}`);
        }
        return;
      case "int32":
      case "sint32":
      case "sfixed32":
        integer(-(2n ** 31n), 2n ** 31n - 1n);
        return;
      case "uint32":
      case "fixed32":
        integer(0n, 2n ** 32n - 1n);
        return;
      case "int64":
      case "sint64":
      case "sfixed64":
        integer(-(2n ** 63n), 2n ** 63n - 1n);
        return;
      case "uint64":
      case "fixed64":
        integer(0n, 2n ** 64n - 1n);
        return;
      case "bool":
        if (typeof value !== "boolean")
          this.fail(path, `expected true or false, got ${show(value)}`);
        return;
      case "string":
        if (typeof value !== "string") this.fail(path, `expected a string, got ${show(value)}`);
        return;
      case "bytes":
        if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) {
          this.fail(path, "expected base64 bytes");
        }
        return;
      default:
        this.fail(path, `unsupported scalar type ${kind}`);
    }
  }

  /** The protoc-gen-validate rules Envoy checks on scalars, strings and durations. */
  private scalarRules(rules: Rules, value: unknown, path: string): void {
    for (const [kind, rule] of Object.entries(rules)) {
      if (kind === "string" && typeof value === "string") {
        if (rule.ignore_empty === true && value === "") continue;
        const min = rule.min_len ?? rule.min_bytes;
        if (typeof min === "number" && value.length < min) {
          this.fail(path, `at least ${min} characters required`);
        }
        const max = rule.max_len ?? rule.max_bytes;
        if (typeof max === "number" && value.length > max) {
          this.fail(path, `at most ${max} characters allowed`);
        }
        if (Array.isArray(rule.in) && !rule.in.includes(value)) {
          this.fail(path, `must be one of ${rule.in.join(", ")}`);
        }
      } else if (kind === "duration" && typeof value === "string") {
        const seconds = Number.parseFloat(value);
        const bound = (key: string) => {
          const b = rule[key] as { seconds?: number; nanos?: number } | undefined;
          return b === undefined ? undefined : (b.seconds ?? 0) + (b.nanos ?? 0) / 1e9;
        };
        const gt = bound("gt");
        const gte = bound("gte");
        const lt = bound("lt");
        const lte = bound("lte");
        if (gt !== undefined && !(seconds > gt)) this.fail(path, `must be longer than ${gt}s`);
        if (gte !== undefined && !(seconds >= gte)) this.fail(path, `must be at least ${gte}s`);
        if (lt !== undefined && !(seconds < lt)) this.fail(path, `must be shorter than ${lt}s`);
        if (lte !== undefined && !(seconds <= lte)) this.fail(path, `must be at most ${lte}s`);
      } else if (
        NUMERIC_RULES.has(kind) &&
        (typeof value === "number" || typeof value === "string")
      ) {
        const n = Number(value);
        if (isNumber(rule.gt) && !(n > rule.gt)) this.fail(path, `must be > ${rule.gt}`);
        if (isNumber(rule.gte) && !(n >= rule.gte)) this.fail(path, `must be >= ${rule.gte}`);
        if (isNumber(rule.lt) && !(n < rule.lt)) this.fail(path, `must be < ${rule.lt}`);
        if (isNumber(rule.lte) && !(n <= rule.lte)) this.fail(path, `must be <= ${rule.lte}`);
      }
    }
  }
}

const NUMERIC_RULES = new Set([
  "double",
  "float",
  "int32",
  "int64",
  "uint32",
  "uint64",
  "sint32",
  "sint64",
  "fixed32",
  "fixed64",
  "sfixed32",
  "sfixed64",
]);

/** Well-known types whose JSON form is not an object of fields (an Any wraps them in `value`). */
const SPECIAL_JSON = new Set(
  [
    "Duration",
    "Timestamp",
    "DoubleValue",
    "FloatValue",
    "Int64Value",
    "UInt64Value",
    "Int32Value",
    "UInt32Value",
    "BoolValue",
    "StringValue",
    "BytesValue",
    "Struct",
    "ListValue",
    "Value",
    "FieldMask",
  ].map((n) => `.google.protobuf.${n}`),
);

/** A field's protoc-gen-validate rules (`(validate.rules)`), merged from protobufjs' options. */
function rulesOf(field: Protobuf.Field): Rules {
  const parsed = (field as Protobuf.Field & { parsedOptions?: Record<string, unknown>[] })
    .parsedOptions;
  const rules: Rules = {};
  for (const option of parsed ?? []) {
    const value = option["(validate.rules)"];
    if (isObject(value)) Object.assign(rules, value);
  }
  return rules;
}

/** The proto3 JSON name: `json_name` if declared, else lowerCamelCase of the field name. */
function jsonName(field: Protobuf.Field): string {
  const declared = field.options?.json_name;
  if (typeof declared === "string") return declared;
  return field.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === "number";
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

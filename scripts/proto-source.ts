/**
 * Prints a FileDescriptorProto back to .proto source.
 *
 * buf's remote registry is out of reach, so third-party dependencies such as protovalidate's
 * `buf/validate/validate.proto` are rebuilt offline from the descriptor an installed npm package
 * embeds. Only what a compiler needs to resolve and type-check imports is printed: packages,
 * messages, enums, oneofs, extensions, ranges and file options. Custom options on fields (for
 * example protovalidate's own predefined CEL rules) are left out; the validator reads those from
 * the package's embedded descriptor at run time, never from this copy.
 */
import { isFieldSet } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  type FileDescriptorProto,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";

const scalarNames: Partial<Record<Type, string>> = {
  [Type.DOUBLE]: "double",
  [Type.FLOAT]: "float",
  [Type.INT64]: "int64",
  [Type.UINT64]: "uint64",
  [Type.INT32]: "int32",
  [Type.FIXED64]: "fixed64",
  [Type.FIXED32]: "fixed32",
  [Type.BOOL]: "bool",
  [Type.STRING]: "string",
  [Type.BYTES]: "bytes",
  [Type.UINT32]: "uint32",
  [Type.SFIXED32]: "sfixed32",
  [Type.SFIXED64]: "sfixed64",
  [Type.SINT32]: "sint32",
  [Type.SINT64]: "sint64",
};

const MAX_FIELD_NUMBER = 536870911;

/** Returns the .proto source text for one file descriptor. */
export function printProtoSource(file: FileDescriptorProto): string {
  const out: string[] = [];
  const syntax = file.syntax === "" ? "proto2" : file.syntax;
  out.push(`// Generated offline from the descriptor embedded in an npm package. Do not edit.`);
  out.push(`syntax = "${syntax}";`, "");
  out.push(`package ${file.package};`, "");
  for (const dep of file.dependency) out.push(`import "${dep}";`);
  out.push("");
  const o = file.options;
  if (o?.javaPackage) out.push(`option java_package = "${o.javaPackage}";`);
  if (o?.javaOuterClassname) out.push(`option java_outer_classname = "${o.javaOuterClassname}";`);
  if (o?.javaMultipleFiles) out.push("option java_multiple_files = true;");
  if (o?.goPackage) out.push(`option go_package = "${o.goPackage}";`);
  out.push("");
  const proto3 = syntax === "proto3";
  for (const ext of groupExtensions(file.extension)) out.push(...ext, "");
  for (const e of file.enumType) out.push(...printEnum(e, ""), "");
  for (const m of file.messageType) out.push(...printMessage(m, "", proto3), "");
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

function groupExtensions(exts: FieldDescriptorProto[]): string[][] {
  const byExtendee = new Map<string, FieldDescriptorProto[]>();
  for (const ext of exts) {
    const list = byExtendee.get(ext.extendee) ?? [];
    list.push(ext);
    byExtendee.set(ext.extendee, list);
  }
  return [...byExtendee].map(([extendee, fields]) => [
    `extend ${extendee.replace(/^\./, "")} {`,
    ...fields.map((f) => `  ${printField(f, false, false)}`),
    "}",
  ]);
}

function printEnum(e: EnumDescriptorProto, indent: string): string[] {
  return [
    `${indent}enum ${e.name} {`,
    ...e.value.map((v) => `${indent}  ${v.name} = ${v.number};`),
    `${indent}}`,
  ];
}

function printMessage(m: DescriptorProto, indent: string, proto3: boolean): string[] {
  const inner = `${indent}  `;
  const out = [`${indent}message ${m.name} {`];
  const mapEntries = new Map(
    m.nestedType.filter((n) => n.options?.mapEntry).map((n) => [n.name, n] as const),
  );
  for (const e of m.enumType) out.push(...printEnum(e, inner));
  for (const n of m.nestedType) {
    if (!mapEntries.has(n.name)) out.push(...printMessage(n, inner, proto3));
  }
  const inRealOneof = (f: FieldDescriptorProto) =>
    isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) && !f.proto3Optional;
  const printedOneofs = new Set<number>();
  for (const f of m.field) {
    if (!inRealOneof(f)) {
      out.push(`${inner}${printField(f, false, proto3, mapEntries)}`);
      continue;
    }
    if (printedOneofs.has(f.oneofIndex)) continue;
    printedOneofs.add(f.oneofIndex);
    out.push(`${inner}oneof ${m.oneofDecl[f.oneofIndex]?.name} {`);
    for (const member of m.field.filter((x) => inRealOneof(x) && x.oneofIndex === f.oneofIndex)) {
      out.push(`${inner}  ${printField(member, true, proto3, mapEntries)}`);
    }
    out.push(`${inner}}`);
  }
  for (const r of m.extensionRange) {
    const end = r.end - 1 >= MAX_FIELD_NUMBER ? "max" : String(r.end - 1);
    out.push(`${inner}extensions ${r.start} to ${end};`);
  }
  for (const r of m.reservedRange) {
    out.push(`${inner}reserved ${r.end - 1 === r.start ? r.start : `${r.start} to ${r.end - 1}`};`);
  }
  if (m.reservedName.length > 0) {
    out.push(`${inner}reserved ${m.reservedName.map((n) => `"${n}"`).join(", ")};`);
  }
  out.push(`${indent}}`);
  return out;
}

function printField(
  f: FieldDescriptorProto,
  inOneof: boolean,
  proto3: boolean,
  mapEntries = new Map<string, DescriptorProto>(),
): string {
  const entry = mapEntries.get(f.typeName.split(".").pop() ?? "");
  if (entry && f.label === Label.REPEATED) {
    const [k, v] = entry.field;
    if (k && v) return `map<${typeOf(k)}, ${typeOf(v)}> ${f.name} = ${f.number};`;
  }
  let label = "";
  if (!inOneof) {
    if (f.label === Label.REPEATED) label = "repeated ";
    else if (f.label === Label.REQUIRED) label = "required ";
    else if (!proto3 || f.proto3Optional) label = "optional ";
  }
  const opts: string[] = [];
  if (f.defaultValue !== "") {
    const quoted = f.type === Type.STRING || f.type === Type.BYTES;
    opts.push(`default = ${quoted ? JSON.stringify(f.defaultValue) : f.defaultValue}`);
  }
  if (f.jsonName && f.jsonName !== camel(f.name)) opts.push(`json_name = "${f.jsonName}"`);
  const suffix = opts.length > 0 ? ` [${opts.join(", ")}]` : "";
  return `${label}${typeOf(f)} ${f.name} = ${f.number}${suffix};`;
}

function typeOf(f: FieldDescriptorProto): string {
  return scalarNames[f.type] ?? f.typeName;
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The OTLP export path, end to end inside one process: `startTracing({ otlpEndpoint })` sends
 * http/protobuf to `<endpoint>/v1/traces` with a resource naming the service and this instance,
 * and the test receiver (test/support/otlp-receiver.ts) decodes exactly what the SDK recorded:
 * ids, parent links, kinds, every attribute type, events, links, status. The same spans sent
 * gzip-compressed decode the same. So when the cross-process test reads spans from the receiver,
 * it reads what the processes recorded.
 *
 * One tracer provider per process: this file registers its own (ava runs each file apart).
 */
import { hostname } from "node:os";
import { type Link, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { startTracing } from "@parley/mesh";
import test from "ava";
import { type ReceivedSpan, startOtlpReceiver } from "./support/otlp-receiver.js";

const receiver = await startOtlpReceiver();
const recorded = new InMemorySpanExporter();
const tracing = startTracing({
  serviceName: "trace-export-test",
  serviceVersion: "9.8.7",
  serviceInstanceId: "instance-under-test",
  otlpEndpoint: `${receiver.endpoint}/`, // a trailing slash is tolerated
  spanProcessors: [new SimpleSpanProcessor(recorded)],
});
test.after.always(async () => {
  await tracing.shutdown();
  await receiver.close();
});

const tracer = trace.getTracer("trace-export-test", "1.2.3");

/** Records a small tree with every attribute type, an event, a link and an error. */
function recordTree(label: string): { traceId: string } {
  const linked = tracer.startSpan(`${label} linked`);
  linked.end();
  const link: Link = { context: linked.spanContext(), attributes: { "link.reason": "retry of" } };
  return tracer.startActiveSpan(`${label} root`, { kind: SpanKind.SERVER }, (root) => {
    const child = tracer.startSpan(`${label} child`, {
      kind: SpanKind.CLIENT,
      links: [link],
      attributes: {
        "attr.string": "héllo ✓",
        "attr.int": 42,
        "attr.negative": -7,
        "attr.double": 2.5,
        "attr.bool": true,
        "attr.strings": ["a", "b"],
        "attr.ints": [1, 2, 3],
      },
    });
    child.addEvent("retrying", { attempt: 2 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: "unavailable: upstream gone" });
    child.end();
    for (const kind of [SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.INTERNAL]) {
      tracer.startSpan(`${label} ${SpanKind[kind]}`, { kind }).end();
    }
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
    return { traceId: root.spanContext().traceId };
  });
}

const KIND_NAMES: Record<SpanKind, ReceivedSpan["kind"]> = {
  [SpanKind.INTERNAL]: "internal",
  [SpanKind.SERVER]: "server",
  [SpanKind.CLIENT]: "client",
  [SpanKind.PRODUCER]: "producer",
  [SpanKind.CONSUMER]: "consumer",
};
const STATUS_NAMES: Record<SpanStatusCode, ReceivedSpan["status"]["code"]> = {
  [SpanStatusCode.UNSET]: "unset",
  [SpanStatusCode.OK]: "ok",
  [SpanStatusCode.ERROR]: "error",
};

function nanos([seconds, fraction]: [number, number]): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction);
}

/** What a decoded span must equal, computed from the SDK's own record of it. */
function expected(span: ReadableSpan) {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: KIND_NAMES[span.kind],
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: span.attributes,
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: nanos(e.time),
      attributes: e.attributes ?? {},
    })),
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: l.attributes ?? {},
    })),
    status: { code: STATUS_NAMES[span.status.code], message: span.status.message ?? "" },
    scope: { name: "trace-export-test", version: "1.2.3" },
  };
}

/** The decoded span without what {@link expected} does not cover (resource, flags, trace state). */
function actual(span: ReceivedSpan): Record<string, unknown> {
  const omitted = new Set(["traceState", "flags", "resource", "service"]);
  return Object.fromEntries(Object.entries(span).filter(([key]) => !omitted.has(key)));
}

test.serial("spans arrive over OTLP http/protobuf exactly as the SDK recorded them", async (t) => {
  const { traceId } = recordTree("plain");
  await tracing.forceFlush();
  const inTrace = (s: { spanContext(): { traceId: string } }) =>
    s.spanContext().traceId === traceId;
  const sdkSpans = recorded.getFinishedSpans().filter(inTrace);
  t.is(sdkSpans.length, 5);
  await receiver.waitFor((spans) => spans.filter((s) => s.traceId === traceId).length === 5, "5");

  const byId = new Map(receiver.trace(traceId).map((s) => [s.spanId, s]));
  for (const sdkSpan of sdkSpans) {
    const got = byId.get(sdkSpan.spanContext().spanId);
    t.truthy(got, `${sdkSpan.name} arrived`);
    if (got) t.deepEqual(actual(got), expected(sdkSpan), sdkSpan.name);
  }
  // The child really is under the root, over the wire.
  const root = [...byId.values()].find((s) => s.name === "plain root");
  const child = [...byId.values()].find((s) => s.name === "plain child");
  t.is(root?.parentSpanId, undefined);
  t.is(child?.parentSpanId, root?.spanId);
  t.is(child?.flags && child.flags & 0x1, 1, "sampled flag exported");
  t.deepEqual(receiver.refused, []);
});

test.serial("the resource names the service, its version and this instance", async (t) => {
  const { traceId } = recordTree("resource");
  await tracing.forceFlush();
  const [span] = await receiver
    .waitFor((spans) => spans.some((s) => s.traceId === traceId), "the spans")
    .then((spans) => spans.filter((s) => s.traceId === traceId));
  t.truthy(span);
  t.is(span?.service, "trace-export-test");
  t.like(span?.resource ?? {}, {
    "service.name": "trace-export-test",
    "service.namespace": "parley",
    "service.version": "9.8.7",
    "service.instance.id": "instance-under-test",
    "host.name": hostname(),
    "process.pid": process.pid,
    "process.runtime.name": "nodejs",
    "telemetry.sdk.language": "nodejs",
  });
  t.is(tracing.serviceInstanceId, "instance-under-test");
  t.true(tracing.enabled);
});

test.serial("gzip-compressed exports decode the same", async (t) => {
  const { traceId } = recordTree("gzip");
  await tracing.forceFlush();
  await receiver.waitFor((spans) => spans.filter((s) => s.traceId === traceId).length === 5, "5");
  const sdkSpans = recorded.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

  const gzipReceiver = await startOtlpReceiver();
  t.teardown(() => gzipReceiver.close());
  const exporter = new OTLPTraceExporter({
    url: `${gzipReceiver.endpoint}/v1/traces`,
    compression: CompressionAlgorithm.GZIP,
  });
  const result = await new Promise<{ code: ExportResultCode }>((resolve) =>
    exporter.export(sdkSpans, resolve),
  );
  await exporter.shutdown();
  t.is(result.code, ExportResultCode.SUCCESS);
  t.deepEqual(gzipReceiver.refused, []);
  const plain = new Map(receiver.trace(traceId).map((s) => [s.spanId, s]));
  const zipped = gzipReceiver.trace(traceId);
  t.is(zipped.length, 5);
  for (const span of zipped) t.deepEqual(span, plain.get(span.spanId));
});

test.serial("the receiver refuses what is not an OTLP protobuf export", async (t) => {
  const before = receiver.refused.length;
  const json = await fetch(`${receiver.endpoint}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  t.is(json.status, 415);
  const garbage = await fetch(`${receiver.endpoint}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf" },
    body: new Uint8Array([0x0a, 0xff, 0xff]),
  });
  t.is(garbage.status, 400);
  const metrics = await fetch(`${receiver.endpoint}/v1/metrics`, { method: "POST", body: "" });
  t.is(metrics.status, 404);
  t.is(receiver.refused.length, before + 3);
});

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_NAMESPACE,
  ATTR_SERVICE_VERSION,
} from "@opentelemetry/semantic-conventions";
import { setTracingEnabled } from "./tracing-state.js";

export interface TracingOptions {
  /** `service.name` on every span: `auth`, `messaging`, ... (what Jaeger lists as services). */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /**
   * `service.instance.id`: tells the instances of one service apart (two messaging processes).
   * Default: a random UUID per process, as the semantic conventions recommend.
   */
  readonly serviceInstanceId?: string;
  /**
   * OTLP http/protobuf base URL (e.g. `http://jaeger:4318`); spans go to `<endpoint>/v1/traces`.
   * Without it (and without `spanProcessors`) nothing is registered: see {@link startTracing}.
   */
  readonly otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests; also switches tracing on. */
  readonly spanProcessors?: SpanProcessor[];
  /** How long `shutdown()` waits for the last export before giving up (default 5 s). */
  readonly shutdownTimeoutMs?: number;
}

export interface Tracing {
  /** Whether spans are recorded in this process (an endpoint or a processor was given). */
  readonly enabled: boolean;
  /** The resource's `service.instance.id` (on every exported span). */
  readonly serviceInstanceId: string;
  /** Exports every finished span now (tests; a process about to be killed). */
  forceFlush(): Promise<void>;
  /**
   * Exports the spans still queued, then stops. Bounded by `shutdownTimeoutMs`, so an
   * unreachable collector cannot hold a stopping process: its spans are dropped instead.
   */
  shutdown(): Promise<void>;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * Starts OpenTelemetry tracing for this process. Call it first in `main.ts`, before anything
 * that might start a span.
 *
 * - **With an OTLP endpoint** (or span processors): registers the Node SDK (AsyncLocalStorage
 *   context, W3C `traceparent` propagation) with a resource naming the service, its version and
 *   this instance, and a batch span processor exporting OTLP http/protobuf. The SDK's own
 *   variables still apply (`OTEL_BSP_SCHEDULE_DELAY`, `OTEL_TRACES_SAMPLER`,
 *   `OTEL_EXPORTER_OTLP_HEADERS`, ...), and `OTEL_RESOURCE_ATTRIBUTES`/`OTEL_SERVICE_NAME` add to
 *   (or override) the resource. Call `shutdown()` on SIGTERM: it exports what is queued.
 * - **Without**: registers nothing. The mesh's interceptors and bus then skip tracing entirely
 *   (no spans, no context switches, no trace carrier: the benchmarks measured OpenTelemetry
 *   without an exporter at 10-15% of an RPC's CPU); the RPC log line still carries the caller's
 *   trace id read from its `traceparent`. A traced caller's trace therefore stops at such a process:
 *   configure the endpoint on every process of a mesh, or on none.
 */
export function startTracing(options: TracingOptions): Tracing {
  const serviceInstanceId = options.serviceInstanceId ?? randomUUID();
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const exporter = new OTLPTraceExporter({
      url: `${options.otlpEndpoint.replace(/\/+$/, "")}/v1/traces`,
    });
    processors.push(new BatchSpanProcessor(exporter));
  }
  if (processors.length === 0) {
    setTracingEnabled(false);
    return {
      enabled: false,
      serviceInstanceId,
      forceFlush: async () => {},
      shutdown: async () => {},
    };
  }

  // The SDK's defaults (telemetry.sdk.*), then ours, then the operator's
  // (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME: e.g. k8s.pod.name, deployment.environment).
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_NAMESPACE]: "parley",
        [ATTR_SERVICE_VERSION]: options.serviceVersion ?? "0.1.0",
        [ATTR_SERVICE_INSTANCE_ID]: serviceInstanceId,
        "host.name": hostname(),
        "process.pid": process.pid,
        "process.runtime.name": "nodejs",
        "process.runtime.version": process.versions.node,
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register();
  setTracingEnabled(true);

  const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    serviceInstanceId: String(resource.attributes[ATTR_SERVICE_INSTANCE_ID] ?? serviceInstanceId),
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= bounded(provider.shutdown(), timeoutMs).finally(() => setTracingEnabled(false));
      return stopped;
    },
  };
}

/** Resolves when `work` settles or after `ms`, whichever comes first; never rejects. */
async function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

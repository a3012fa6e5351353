import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

export interface TracingOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP http/protobuf endpoint (e.g. http://jaeger:4318); no export when absent. */
  readonly otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  readonly spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing for this process: W3C trace context propagation, async-local
 * context, and OTLP export when an endpoint is configured. Call it first in `main.ts`, before
 * anything that might start a span.
 */
export function startTracing(options: TracingOptions): Tracing {
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const exporter: SpanExporter = new OTLPTraceExporter({
      url: `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`,
    });
    processors.push(new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 }));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? "0.1.0",
    }),
    spanProcessors: processors,
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

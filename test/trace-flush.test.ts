/**
 * A service process stopped with SIGTERM exports the spans it still holds before it exits: the
 * batch span processor waits up to its schedule delay to send, so without the flush in
 * `Tracing.shutdown()` (called by every `main.ts` from `runUntilSignal`) the last seconds of a
 * stopping instance would be missing from Jaeger. Here the delay is ten minutes
 * (`OTEL_BSP_SCHEDULE_DELAY`), so nothing arrives until the process is told to stop.
 *
 * Real processes: auth alone, started by the local mesh launcher from a one-service layout.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { connectTo } from "@parley/mesh";
import test from "ava";
import { startLocalMesh } from "../scripts/mesh/local-mesh.js";
import { startOtlpReceiver } from "./support/otlp-receiver.js";

test("SIGTERM: the process exports its queued spans, then exits 0", async (t) => {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  const dir = await mkdtemp(join(tmpdir(), "parley-trace-flush-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const layoutFile = join(dir, "layout.yaml");
  await writeFile(layoutFile, "services:\n  auth: [https://127.0.0.1:7401]\n");

  const mesh = await startLocalMesh({
    layoutFile,
    basePort: 0,
    certsDir: join(dir, "certs"),
    dataDir: join(dir, "data"),
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: "600000",
      // What an operator adds to every span of a deployment (Kubernetes, compose).
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=trace-test,k8s.pod.name=auth-0",
    },
  });
  t.teardown(() => mesh.stop());
  const auth = mesh.instance("auth");

  const traceId = randomBytes(16).toString("hex");
  const callerSpanId = randomBytes(8).toString("hex");
  const transport = connectTo({ baseUrl: auth.url, tls: await mesh.credentials("edge") });
  t.teardown(() => transport.close());
  const client = createClient(AuthService, transport);
  const jwks = await client.getJwks(
    {},
    { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
  );
  t.true(jwks.keys.length > 0);

  // The RPC is done and its span ended; the batch processor holds it.
  t.is(receiver.spans().length, 0, "nothing exported before the signal");

  const pid = auth.pid;
  const exit = await auth.stop(); // SIGTERM
  t.deepEqual(exit, { code: 0, signal: null });

  const spans = receiver.trace(traceId);
  t.is(spans.length, 1, "the span arrived before the process exited");
  const [server] = spans;
  t.is(server?.name, "parley.auth.v1.AuthService/GetJwks");
  t.is(server?.kind, "server");
  t.is(server?.parentSpanId, callerSpanId);
  t.is(server?.service, "auth");
  t.is(server?.resource["process.pid"], pid);
  t.like(server?.resource ?? {}, {
    "service.name": "auth",
    "deployment.environment.name": "trace-test",
    "k8s.pod.name": "auth-0",
  });
  t.regex(String(server?.resource["service.instance.id"]), /^[0-9a-f-]{36}$/);
  t.is(server?.attributes["rpc.grpc.status_code"], 0);
  t.false(
    receiver.spans().some((s) => s.name.startsWith("grpc.health.v1.")),
    "the launcher's health probes are not traced",
  );
  t.deepEqual(receiver.refused, []);

  // The process's own RPC line names the same trace.
  const rpcLine = auth
    .logs()
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((l) => l.msg === "rpc" && l.rpc === "parley.auth.v1.AuthService/GetJwks");
  t.is(rpcLine?.trace_id, traceId);
  t.is(rpcLine?.span_id, server?.spanId);
});

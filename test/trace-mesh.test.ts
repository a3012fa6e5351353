/**
 * One request, one trace, across real processes: the local mesh (auth, notifications and two
 * messaging instances, each its own Node process with its own mTLS identity, Redis between the
 * messaging instances) exports OTLP http/protobuf to a test receiver, and so does this test's
 * client. A SendMessage from the client must produce a single trace holding:
 *
 * ```
 * trace-client   CLIENT    MessagingService/SendMessage          (root: the client's own span)
 * └ messaging A  SERVER    MessagingService/SendMessage          rpc.system/service/method, status 0
 *   ├ messaging A CLIENT   AuthService/LookupUsers  → auth SERVER  (the @mention; the author's name)
 *   ├ messaging A PRODUCER send messaging.channel-events
 *   │ ├ messaging A CONSUMER process messaging.channel-events    (its own copy)
 *   │ └ messaging B CONSUMER process messaging.channel-events    (the other instance's delivery)
 *   └ messaging A CLIENT   NotificationService/Notify → notifications SERVER
 * ```
 *
 * and every process involved writes log lines carrying that trace id (the services run with
 * `LOG_LEVEL=debug`: instance B's only line for the delivery is the bus's debug line). A failed
 * call is an ERROR span, on both sides, with its gRPC status code.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { connectTo, startTracing } from "@parley/mesh";
import test, { type ExecutionContext } from "ava";
import { type LocalMesh, type MeshInstance, startLocalMesh } from "../scripts/mesh/local-mesh.js";
import { createChannel, EventStream, type TestUser } from "./support/messaging-cluster.js";
import { formatTrace, type ReceivedSpan, startOtlpReceiver } from "./support/otlp-receiver.js";

const MESSAGING = "parley.messaging.v1.MessagingService";
const SEND = `${MESSAGING}/SendMessage`;
const NOTIFY = "parley.notifications.v1.NotificationService/Notify";
const CHANNEL_TOPIC = "messaging.channel-events";

// The receiver first, then this process's own tracing (the client spans), then the mesh.
const receiver = await startOtlpReceiver();
const tracing = startTracing({ serviceName: "trace-client", otlpEndpoint: receiver.endpoint });
const dir = await mkdtemp(join(tmpdir(), "parley-trace-mesh-"));
let mesh: LocalMesh | undefined;
const closers: (() => Promise<unknown> | unknown)[] = [];

test.after.always(async () => {
  for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
  await mesh?.stop();
  await tracing.shutdown();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

/** The `traceparent` each call of the test's clients carried, by RPC name. */
const sentTraceparents: { rpc: string; traceparent: string | null }[] = [];
const recordTraceparent: Interceptor = (next) => async (req) => {
  sentTraceparents.push({
    rpc: `${req.service.typeName}/${req.method.name}`,
    traceparent: req.header.get("traceparent"),
  });
  return next(req);
};

/** The trace id of the last call made to `rpc`. */
function lastTraceOf(rpc: string): string {
  const header = sentTraceparents.filter((s) => s.rpc === rpc).at(-1)?.traceparent;
  const traceId = header?.split("-")[1];
  if (!traceId) throw new Error(`no traceparent was sent with ${rpc}`);
  return traceId;
}

interface World {
  readonly mesh: LocalMesh;
  readonly a: MeshInstance;
  readonly b: MeshInstance;
  readonly messagingA: ReturnType<typeof createClient<typeof MessagingService>>;
  readonly messagingB: ReturnType<typeof createClient<typeof MessagingService>>;
  readonly alice: TestUser;
  readonly bob: TestUser;
  readonly carol: TestUser;
}

let world: Promise<World> | undefined;

/** Starts the mesh and registers three people, once for the whole file. */
function setUp(): Promise<World> {
  world ??= (async () => {
    mesh = await startLocalMesh({
      basePort: 0,
      certsDir: join(dir, "certs"),
      dataDir: join(dir, "data"),
      logLevel: "debug",
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "200",
        PARLEY_MESSAGING_SEND_LIMIT: "off",
      },
    });
    const edge = await mesh.credentials("edge");
    const transport = (url: string) => {
      const t = connectTo({ baseUrl: url, tls: edge, interceptors: [recordTraceparent] });
      closers.push(() => t.close());
      return t;
    };
    const auth = createClient(AuthService, transport(mesh.urls("auth")[0] ?? ""));
    const register = async (name: string): Promise<TestUser> => {
      const username = `${name}-${process.pid}`;
      const { session } = await auth.register({
        username,
        email: `${username}@example.com`,
        password: "correct horse battery staple",
      });
      if (!session?.user || !session.accessToken) throw new Error("register returned no session");
      return {
        id: session.user.id,
        username: session.user.username,
        accessToken: session.accessToken,
        call: { headers: { authorization: `Bearer ${session.accessToken}` } },
      };
    };
    await register("admin"); // the first account is the admin; the others are plain members
    const a = mesh.instance("messaging-1");
    const b = mesh.instance("messaging-2");
    return {
      mesh,
      a,
      b,
      messagingA: createClient(MessagingService, transport(a.url)),
      messagingB: createClient(MessagingService, transport(b.url)),
      alice: await register("alice"),
      bob: await register("bob"),
      carol: await register("carol"),
    };
  })();
  return world;
}

/** The process's pino lines (non-JSON output, if any, skipped). */
function logLines(instance: MeshInstance): Record<string, unknown>[] {
  return instance.logs().flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

const pidOf = (span: ReceivedSpan) => span.resource["process.pid"];

/** Asserts `span` exists and returns it (for chained checks). */
function found(t: ExecutionContext, span: ReceivedSpan | undefined, what: string): ReceivedSpan {
  if (!span) t.fail(`no ${what} span`);
  return span as ReceivedSpan;
}

test.serial(
  "one Send is one trace: client, messaging A, Redis, messaging B, notifications, auth",
  async (t) => {
    const w = await setUp();
    t.deepEqual(w.mesh.skipped, [], "every service of the layout runs (notifications included)");
    const notifications = w.mesh.instance("notifications");

    const channel = await createChannel(w.messagingA, w.alice, {
      kind: ChannelKind.PUBLIC,
      members: [w.bob],
    });
    // Bob follows the channel on the other instance: the message must reach him through Redis.
    const { stream } = await EventStream.open(w.messagingB, w.bob);
    closers.push(() => stream.close());

    const text = `hello @${w.bob.username}, this one is traced`;
    const sent = await w.messagingA.sendMessage(
      { channelId: channel.id, text, idempotencyKey: randomUUID() },
      w.alice.call,
    );
    const traceId = lastTraceOf(SEND);
    const delivered = await stream.nextOf("messageCreated");
    t.is(delivered.payload.value.message?.id, sent.message?.id, "bob got it on instance B");
    await tracing.forceFlush();

    const spans = (
      await receiver.waitFor((all) => {
        const trace = all.filter((s) => s.traceId === traceId);
        const has = (service: string, kind: ReceivedSpan["kind"], name: string) =>
          trace.some((s) => s.service === service && s.kind === kind && s.name === name);
        // Every RPC made inside the trace has been served and its server span exported, and
        // every span's parent has arrived (processes export on their own schedules).
        const served = trace
          .filter((s) => s.kind === "client")
          .every((c) => trace.some((s) => s.kind === "server" && s.parentSpanId === c.spanId));
        const ids = new Set(trace.map((s) => s.spanId));
        const complete = trace.every(
          (s) => s.parentSpanId === undefined || ids.has(s.parentSpanId),
        );
        return (
          served &&
          complete &&
          has("trace-client", "client", SEND) &&
          has("messaging", "server", SEND) &&
          has("notifications", "server", NOTIFY) &&
          trace.some(
            (s) => s.kind === "consumer" && pidOf(s) === w.b.pid && s.name.endsWith(CHANNEL_TOPIC),
          )
        );
      }, "the Send's spans from every process")
    ).filter((s) => s.traceId === traceId);
    t.log(`trace ${traceId}:\n${formatTrace(spans)}`);

    // A tree: one root, and every other span's parent is in the same trace.
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => s.parentSpanId === undefined);
    t.is(roots.length, 1, "one root");
    t.deepEqual(
      spans
        .filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))
        .map((s) => s.name),
      [],
      "no span points to a parent outside the trace",
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (span: ReceivedSpan) =>
      span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);

    // The client's span is the root.
    const root = found(t, roots[0], "root");
    t.like(root, { service: "trace-client", kind: "client", name: SEND });

    // Messaging A's server span, under the client's.
    const serverA = found(
      t,
      spans.find((s) => s.kind === "server" && s.name === SEND),
      "messaging server",
    );
    t.is(serverA.service, "messaging");
    t.is(pidOf(serverA), w.a.pid, "served by instance A");
    t.is(serverA.parentSpanId, root.spanId);
    t.like(serverA.attributes, {
      "rpc.system": "grpc",
      "rpc.service": MESSAGING,
      "rpc.method": "SendMessage",
      "rpc.grpc.status_code": 0,
    });
    t.is(serverA.status.code, "unset");

    // The Redis publish of the new message: a PRODUCER span of instance A, under the RPC.
    const producer = found(
      t,
      spans.find((s) => s.kind === "producer" && s.name === `send ${CHANNEL_TOPIC}`),
      "channel event producer",
    );
    t.is(pidOf(producer), w.a.pid);
    t.is(producer.parentSpanId, serverA.spanId);
    t.like(producer.attributes, {
      "messaging.system": "redis",
      "messaging.destination.name": CHANNEL_TOPIC,
      "messaging.operation.type": "send",
    });

    // Instance B's delivery: a CONSUMER span in another process, parented to the publish.
    const deliveryB = found(
      t,
      spans.find((s) => s.kind === "consumer" && pidOf(s) === w.b.pid && parentOf(s) === producer),
      "instance B delivery",
    );
    t.is(deliveryB.service, "messaging");
    t.is(deliveryB.name, `process ${CHANNEL_TOPIC}`);
    t.not(deliveryB.resource["service.instance.id"], serverA.resource["service.instance.id"]);
    t.like(deliveryB.attributes, {
      "messaging.system": "redis",
      "messaging.operation.type": "process",
    });

    // The mention: messaging A calls Notify inside the Send's context; notifications serves it.
    const notifyClient = found(
      t,
      spans.find((s) => s.kind === "client" && s.name === NOTIFY),
      "Notify client",
    );
    t.is(notifyClient.service, "messaging");
    t.is(pidOf(notifyClient), w.a.pid);
    t.is(notifyClient.parentSpanId, serverA.spanId);
    const notifyServer = found(
      t,
      spans.find((s) => s.kind === "server" && s.name === NOTIFY),
      "Notify server",
    );
    t.is(notifyServer.service, "notifications");
    t.is(pidOf(notifyServer), notifications.pid);
    t.is(notifyServer.parentSpanId, notifyClient.spanId);
    t.like(notifyServer.attributes, {
      "rpc.system": "grpc",
      "rpc.service": "parley.notifications.v1.NotificationService",
      "rpc.method": "Notify",
      "rpc.grpc.status_code": 0,
    });

    // Auth: every call messaging made to it (the mention's lookup) is a client/server pair.
    const authServers = spans.filter((s) => s.service === "auth");
    t.true(authServers.length >= 1, "the @mention was resolved through auth");
    for (const server of authServers) {
      const caller = parentOf(server);
      t.is(server.kind, "server");
      t.is(caller?.kind, "client");
      t.is(caller?.name, server.name);
      t.is(caller?.service, "messaging");
      t.is(parentOf(caller as ReceivedSpan), serverA, `${server.name} was made for the Send`);
    }

    // Every process involved logged under the same trace id.
    const linesOf = (instance: MeshInstance) =>
      logLines(instance).filter((l) => l.trace_id === traceId);
    const sendLine = linesOf(w.a).find((l) => l.msg === "rpc" && l.rpc === SEND);
    t.is(sendLine?.code, "ok");
    t.is(sendLine?.span_id, serverA.spanId);
    const deliveryLine = linesOf(w.b).find((l) => l.span_id === deliveryB.spanId);
    t.is(deliveryLine?.msg, "bus message received", "instance B logged the delivery");
    const notifyLine = linesOf(notifications).find((l) => l.msg === "rpc" && l.rpc === NOTIFY);
    t.is(notifyLine?.span_id, notifyServer.spanId);
    const auth = w.mesh.instance("auth");
    for (const server of authServers) {
      t.truthy(
        linesOf(auth).find((l) => l.msg === "rpc" && l.rpc === server.name),
        `auth logged ${server.name} under the trace`,
      );
    }
    // And no process logged a line of this trace without being in it.
    const tracedPids = new Set(spans.map(pidOf));
    for (const instance of w.mesh.instances) {
      if (linesOf(instance).length > 0) t.true(tracedPids.has(instance.pid), instance.name);
    }
    t.deepEqual(receiver.refused, []);
  },
);

test.serial(
  "a refused Send is an ERROR trace with its gRPC status code, on both sides",
  async (t) => {
    const w = await setUp();
    const channel = await createChannel(w.messagingA, w.alice, { kind: ChannelKind.PRIVATE });

    const err = await w.messagingA
      .sendMessage(
        { channelId: channel.id, text: "let me in", idempotencyKey: randomUUID() },
        w.carol.call,
      )
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    if (!err) return t.fail("carol could post in a private channel she is not in");
    t.true([Code.PermissionDenied, Code.NotFound].includes(err.code), Code[err.code]);
    const traceId = lastTraceOf(SEND);
    await tracing.forceFlush();

    const spans = (
      await receiver.waitFor(
        (all) => all.some((s) => s.traceId === traceId && s.service === "messaging"),
        "the refused Send's server span",
      )
    ).filter((s) => s.traceId === traceId);
    t.log(formatTrace(spans));
    const client = found(
      t,
      spans.find((s) => s.kind === "client" && s.name === SEND),
      "client",
    );
    const server = found(
      t,
      spans.find((s) => s.kind === "server" && s.name === SEND),
      "server",
    );
    t.is(server.parentSpanId, client.spanId);
    t.is(pidOf(server), w.a.pid);
    const codeName = err.code === Code.NotFound ? "not_found" : "permission_denied";
    for (const span of [client, server]) {
      t.is(span.status.code, "error", `${span.service} ${span.kind}`);
      t.true(span.status.message.startsWith(`${codeName}: `), span.status.message);
      t.is(span.attributes["rpc.grpc.status_code"], err.code);
      t.is(span.attributes["rpc.method"], "SendMessage");
    }
    t.is(
      spans.filter((s) => s.kind === "producer").length,
      0,
      "nothing was published for a refused message",
    );
    const line = logLines(w.a).find((l) => l.trace_id === traceId && l.msg === "rpc");
    t.is(line?.code, codeName);
    t.is(line?.span_id, server.spanId);
  },
);

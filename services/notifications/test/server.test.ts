/**
 * Notifications on real servers: serveNotifications() in mesh mode (mTLS, the policy file, auth's
 * JWKS over mTLS) on port 0, and main.ts as its own process. Every access rule of the contract
 * and the policy: Notify only for the services the policy names, user RPCs only with a valid
 * token and only on the caller's own data, GetVapidPublicKey public.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus as Serving,
} from "@parley/gen/grpc/health/v1/health_pb.js";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import {
  NotificationService,
  NotifyOutcome,
} from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import { connectTo, createLogger } from "@parley/mesh";
import test from "ava";
import { violatedFields } from "../../../test/support/auth-e2e.js";
import { waitUntil } from "../../../test/support/redis.js";
import { loadConfig } from "../src/config.js";
import { serveNotifications } from "../src/notifications-server.js";
import { startNotificationsCluster } from "./helpers/cluster.js";
import { notifyRequest } from "./helpers/harness.js";
import { browserKeys } from "./helpers/push-keys.js";

const cluster = await startNotificationsCluster();
test.after.always(() => cluster.close());

async function code(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

test("Notify: messaging and voice may call it; files, a stranger and people may not", async (t) => {
  const alice = await cluster.register("alice");
  const edge = await cluster.client("edge");
  const req = () => notifyRequest([alice.id]);

  const messaging = await cluster.client("messaging");
  const res = await messaging.notify(req());
  t.is(res.results[0]?.outcome, NotifyOutcome.CREATED);
  t.is(await code((await cluster.client("voice")).notify(req())), "ok");

  t.is(await code((await cluster.client("files")).notify(req())), Code.PermissionDenied);
  t.is(await code((await cluster.client("stranger")).notify(req())), Code.PermissionDenied);
  t.is(await code(edge.notify(req(), alice.call)), Code.PermissionDenied, "a person via the edge");
  t.is(await code(edge.notify(req())), Code.PermissionDenied, "the edge on its own");
  t.is(
    await code((await cluster.client("auth")).notify(req())),
    Code.PermissionDenied,
    "auth is not in the policy for Notify",
  );
  t.is(
    (await edge.getUnreadCount({}, alice.call)).unreadCount,
    2,
    "only the allowed calls created",
  );
});

test("user RPCs need a valid token and see only the caller's own inbox", async (t) => {
  const [alice, bob] = [await cluster.register("alice"), await cluster.register("bob")];
  const edge = await cluster.client("edge");
  const messaging = await cluster.client("messaging");
  const created = await messaging.notify(notifyRequest([alice.id, bob.id]));
  const aliceNote = created.results[0]?.notificationId ?? "";

  for (const call of [
    edge.listNotifications({}),
    edge.markRead({ all: true }),
    edge.getUnreadCount({}),
    edge.getPreferences({}),
    edge.updatePreferences({ unmuteChannelIds: [randomUUID()] }),
    edge.listPushSubscriptions({}),
    edge.unregisterPushSubscription({ target: { case: "id", value: randomUUID() } }),
  ]) {
    t.is(await code(call), Code.Unauthenticated);
  }
  const garbage = { headers: { authorization: "Bearer not-a-token" } };
  t.is(await code(edge.getUnreadCount({}, garbage)), Code.Unauthenticated);
  t.is(
    await code(messaging.listNotifications({})),
    Code.PermissionDenied,
    "a service cannot read inboxes on its own account",
  );

  t.deepEqual(
    (await edge.listNotifications({}, bob.call)).notifications.map((n) => n.id),
    [created.results[1]?.notificationId],
  );
  const marked = await edge.markRead({ ids: [aliceNote] }, bob.call);
  t.is(marked.markedCount, 0, "bob cannot mark alice's notification read");
  t.is((await edge.getUnreadCount({}, alice.call)).unreadCount, 1);

  const vapid = await edge.getVapidPublicKey({});
  t.is(Buffer.from(vapid.publicKey, "base64url").length, 65, "public, no token needed");
});

test("invalid input gets invalid_argument with field violations before any handler", async (t) => {
  const messaging = await cluster.client("messaging");
  const err = ConnectError.from(
    await t.throwsAsync(
      messaging.notify({
        idempotencyKey: "",
        recipientUserIds: ["not-a-uuid"],
        kind: NotificationKind.UNSPECIFIED,
        title: "   ",
        messageId: randomUUID(),
      }),
    ),
  );
  t.is(err.code, Code.InvalidArgument);
  t.deepEqual(violatedFields(err), ["", "idempotency_key", "kind", "recipient_user_ids", "title"]);
  const alice = await cluster.register("alice");
  const edge = await cluster.client("edge");
  const mark = ConnectError.from(await t.throwsAsync(edge.markRead({}, alice.call)));
  t.is(mark.code, Code.InvalidArgument, "MarkRead needs exactly one selector");
  const register = ConnectError.from(
    await t.throwsAsync(
      edge.registerPushSubscription(
        { endpoint: "http://push.example/x", p256dh: "x", auth: "y" },
        alice.call,
      ),
    ),
  );
  t.deepEqual(violatedFields(register), ["auth", "endpoint", "p256dh"]);

  // Instants past the year 9999 are no valid Timestamp (their JSON form cannot be written):
  // refused, never stored to fail an answer later.
  const year11476 = { seconds: 300_000_000_000n, nanos: 0 };
  const keys = browserKeys().registration;
  const tooLate = ConnectError.from(
    await t.throwsAsync(
      edge.registerPushSubscription(
        { endpoint: "https://push.example/x", ...keys, expiresAt: year11476 },
        alice.call,
      ),
    ),
  );
  t.is(tooLate.code, Code.InvalidArgument);
  t.deepEqual(violatedFields(tooLate), ["expires_at"]);
  const muteForever = ConnectError.from(
    await t.throwsAsync(
      edge.updatePreferences(
        {
          muteAllChange: { case: "muteAll", value: { until: year11476 } },
          muteChannels: [{ channelId: randomUUID(), until: year11476 }],
        },
        alice.call,
      ),
    ),
  );
  t.deepEqual(violatedFields(muteForever), ["mute_all.until", "mute_channels.until"]);
  const markLater = ConnectError.from(
    await t.throwsAsync(edge.markRead({ upTo: year11476 }, alice.call)),
  );
  t.deepEqual(violatedFields(markLater), ["up_to"]);
});

test("the live stream over HTTP/2 with mTLS, and health", async (t) => {
  const alice = await cluster.register("alice");
  const edge = await cluster.client("edge");
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const stream = edge
    .subscribe({}, { ...alice.call, signal: abort.signal })
    [Symbol.asyncIterator]();
  const first = await stream.next();
  t.is(first.value?.event?.payload.case, "subscribed");
  const res = await (await cluster.client("messaging")).notify(notifyRequest([alice.id]));
  const next = await stream.next();
  t.is(next.value?.event?.payload.case, "notificationCreated");
  t.is(next.value?.event?.unreadCount, 1);
  t.is(
    next.value?.event?.payload.case === "notificationCreated"
      ? next.value.event.payload.value.notification?.id
      : "",
    res.results[0]?.notificationId,
  );
  const health = createClient(Health, await cluster.transport("edge"));
  t.is((await health.check({ service: NotificationService.typeName })).status, Serving.SERVING);
});

/** Reads JSON log lines from a child process until one matches. */
function waitForLine(
  child: ChildProcess,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onExit = (exitCode: number | null) => reject(new Error(`exited early (${exitCode})`));
    child.once("exit", onExit);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const text of lines) {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (match(line)) {
          child.off("exit", onExit);
          resolve(line);
        }
      }
    });
  });
}

test("main.ts runs notifications as its own process with its mesh identity and stops on SIGTERM", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-notifications-main-"));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "../src/main.ts")],
    {
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        PARLEY_CERTS_DIR: cluster.pki.dir,
        PARLEY_AUTH_URL: cluster.authUrl,
        PARLEY_DATA_DIR: dataDir,
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const listening = await waitForLine(
    child,
    (line) => line.msg === "notifications service listening",
  );
  const url = String(listening.url);
  t.regex(url, /^https:\/\/localhost:\d+$/);

  const alice = await cluster.register("alice");
  const as = async (identity: string) =>
    createClient(
      NotificationService,
      connectTo({ baseUrl: url, tls: await cluster.pki.credentials(identity) }),
    );
  const created = await (await as("messaging")).notify(notifyRequest([alice.id]));
  t.is(created.results[0]?.outcome, NotifyOutcome.CREATED);
  t.is(await code((await as("files")).notify(notifyRequest([alice.id]))), Code.PermissionDenied);
  const edge = await as("edge");
  t.is(
    (await edge.getUnreadCount({}, alice.call)).unreadCount,
    1,
    "token verified via auth's JWKS",
  );

  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  t.is(await exited, 0);
});

test("a graceful stop ends open streams with unavailable and turns health NOT_SERVING first", async (t) => {
  const tokens = {
    async verify(token: string) {
      return {
        id: token,
        role: "member" as const,
        tokenId: token,
        expiresAt: new Date(Date.now() + 600_000),
      };
    },
  };
  const server = await serveNotifications(
    loadConfig({ PORT: "0", HOST: "127.0.0.1", PARLEY_NOTIFICATIONS_DATA_DIR: ":memory:" }),
    { logger: createLogger({ service: "notifications-test", level: "silent" }), tokens },
  );
  let closed = false;
  t.teardown(() => (closed ? undefined : server.close()));
  const baseUrl = `http://127.0.0.1:${server.served.port}`;
  const client = createClient(NotificationService, createGrpcTransport({ baseUrl }));
  const user = randomUUID();
  const stream = client
    .subscribe({}, { headers: { authorization: `Bearer ${user}` } })
    [Symbol.asyncIterator]();
  t.is((await stream.next()).value?.event?.payload.case, "subscribed");
  const watched: Serving[] = [];
  const health = createClient(Health, createGrpcTransport({ baseUrl }));
  const watching = (async () => {
    try {
      for await (const res of health.watch({ service: NotificationService.typeName })) {
        watched.push(res.status);
      }
    } catch {
      // The server went away.
    }
  })();
  await waitUntil(() => watched.length > 0, "health watch answered");
  const stopping = server.close();
  closed = true;
  const err = await t.throwsAsync(async () => {
    for (;;) if ((await stream.next()).done) return;
  });
  t.is(ConnectError.from(err).code, Code.Unavailable);
  await stopping;
  await watching;
  t.deepEqual(watched, [Serving.SERVING, Serving.NOT_SERVING]);
});

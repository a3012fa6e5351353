/**
 * The local mesh as real processes (`startLocalMesh()` on free ports): each service its own
 * process with its own mTLS identity, two messaging instances on one Redis. What one instance
 * commits reaches streams on the other; the policy decides which identity may call what; a
 * certificate that is expired or from another CA never gets past the TLS handshake.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import { createMeshCa, issueServiceCertificate, type MeshTls } from "@parley/mesh";
import test from "ava";
import { startTestMesh } from "./support/local-mesh.js";
import {
  createChannel,
  EventStream,
  rejection,
  send,
  startOffset,
  waitUntil,
} from "./support/messaging-cluster.js";

const local = await startTestMesh({ extraIdentities: ["stranger"] });
const { mesh } = local;
test.after.always(() => local.close());

/** The call's error code, or "ok". */
async function outcome(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

/** Auth as the mesh identity `identity`. */
async function authAs(identity: string) {
  return createClient(
    AuthService,
    local.transport(mesh.urls("auth"), await mesh.credentials(identity)),
  );
}

test("every service runs as its own process with its own identity, and reports SERVING", (t) => {
  const names = mesh.instances.map((i) => i.name);
  t.deepEqual(mesh.skipped, [], "every service of the layout has a main.ts");
  t.true(names.includes("auth") && names.includes("notifications"));
  t.true(names.includes("messaging-1") && names.includes("messaging-2"));
  const pids = mesh.instances.map((i) => i.pid);
  t.is(new Set(pids).size, pids.length, "one process each");
  t.false(pids.includes(process.pid));
  for (const instance of mesh.instances) {
    t.regex(instance.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    // Every process logged its own service name and that it listens with TLS.
    const listening = instance
      .logs()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === `${instance.service} listening`);
    t.like(listening, { service: instance.service, tls: true });
  }
});

test("cross-instance delivery through Redis: subscribed on instance 1, sent on instance 2", async (t) => {
  const alice = await local.register("alice");
  const bob = await local.register("bob");
  const one = local.messaging("messaging-1");
  const two = local.messaging("messaging-2");
  const channel = await createChannel(two, bob, { members: [alice] });

  const { stream, subscribed } = await EventStream.open(one, alice);
  t.teardown(() => stream.close());
  const start = startOffset(subscribed, channel.id);
  const sent = await send(two, bob, channel.id, "hello across processes");
  const created = await stream.nextOf("messageCreated");
  t.is(created.channelId, channel.id);
  t.is(created.offset, start + 1n);
  t.is(created.payload.value.message?.id, sent.id);
  t.is(created.payload.value.message?.text, "hello across processes");
  t.is(created.payload.value.message?.authorUserId, bob.id);

  // And back: alice answers through instance 1, bob hears it on instance 2.
  const { stream: bobs } = await EventStream.open(two, bob);
  t.teardown(() => bobs.close());
  await send(one, alice, channel.id, "heard you");
  const reply = await bobs.nextOf("messageCreated");
  t.is(reply.payload.value.message?.text, "heard you");
  t.is(reply.offset, start + 2n);
});

test("an identity outside the policy is refused: files may not look people up, stranger may call nothing", async (t) => {
  const alice = await local.register("lookup-target");
  const files = await authAs("files");
  const refused = await rejection(files.lookupUsers({ ids: [alice.id] }));
  t.is(refused.code, Code.PermissionDenied);
  t.regex(
    refused.rawMessage,
    /service "files" may not call parley\.auth\.v1\.AuthService\/LookupUsers/,
  );

  // The same call as messaging, which the policy grants it on its own account, is served.
  const messaging = await authAs("messaging");
  const found = await messaging.lookupUsers({ ids: [alice.id] });
  t.deepEqual(
    found.users.map((u) => u.username),
    [alice.username],
  );

  // A valid mesh certificate for an identity the policy does not know at all.
  const stranger = await authAs("stranger");
  t.is((await rejection(stranger.getJwks({}))).code, Code.PermissionDenied);
  t.is(
    await outcome(local.messaging("messaging-1").listChannels({}, alice.call)),
    "ok",
    "control: the edge forwards alice's call",
  );
});

test("Notify is internal: files is refused, messaging (which the policy names) is served", async (t) => {
  const alice = await local.register("notified");
  const notify = async (identity: string) =>
    createClient(
      NotificationService,
      local.transport(mesh.urls("notifications"), await mesh.credentials(identity)),
    ).notify({
      idempotencyKey: randomUUID(),
      recipientUserIds: [alice.id],
      kind: NotificationKind.MENTION,
      title: "you were mentioned",
      body: "hello",
    });
  const refused = await rejection(notify("files"));
  t.is(refused.code, Code.PermissionDenied);
  t.regex(refused.rawMessage, /"files" may not call .*Notify/);
  t.is(await outcome(notify("messaging")), "ok");
  const edge = await rejection(notify("edge"));
  t.is(edge.code, Code.PermissionDenied, "internal RPCs are closed to the edge");
});

test("a mention sent through messaging reaches the notifications process (found through discovery)", async (t) => {
  const alice = await local.register("mentioner");
  const bob = await local.register("mentioned");
  const channel = await createChannel(local.messaging("messaging-2"), alice, { members: [bob] });
  const sent = await send(local.messaging("messaging-2"), alice, channel.id, `hi @${bob.username}`);
  const inbox = createClient(
    NotificationService,
    local.transport(mesh.urls("notifications"), local.edge),
  );
  // Bob is also invited to the channel: that notification may come first, or after.
  let mention:
    | Awaited<ReturnType<typeof inbox.listNotifications>>["notifications"][number]
    | undefined;
  await waitUntil(
    async () => {
      const found = (await inbox.listNotifications({}, bob.call)).notifications;
      mention = found.find((n) => n.kind === NotificationKind.MENTION);
      return mention !== undefined;
    },
    "bob's mention notification arrived",
    30_000,
  );
  t.like(mention, {
    kind: NotificationKind.MENTION,
    channelId: channel.id,
    messageId: sent.id,
    actorUserId: alice.id,
  });
});

test("the edge may call public and user RPCs, never internal ones", async (t) => {
  const edge = local.auth;
  const carol = await local.register("carol");
  t.true((await edge.getJwks({})).keys.length >= 1, "public");
  const me = await edge.getMe({}, carol.call);
  t.is(me.user?.id, carol.id, "user, with the person's token");
  t.is((await rejection(edge.getMe({}))).code, Code.Unauthenticated, "user, without a token");
  const internal = await rejection(edge.introspectToken({ token: carol.accessToken }));
  t.is(internal.code, Code.PermissionDenied);
  t.regex(internal.rawMessage, /"edge" may not call .*IntrospectToken/);
  // Even with a signed-in person's token: internal means no person, only named services.
  t.is(
    (await rejection(edge.introspectToken({ token: carol.accessToken }, carol.call))).code,
    Code.PermissionDenied,
  );
  const channels = await local.messaging("messaging-2").listChannels({}, carol.call);
  t.deepEqual(channels.channels, []);
});

test("logout is honoured by every service, not only auth: each refuses the token without asking auth", async (t) => {
  const { username } = await local.register("leaver");
  const password = "correct horse battery staple";
  const { session } = await local.auth.login({ login: username, password });
  const call = { headers: { authorization: `Bearer ${session?.accessToken}` } };
  const inbox = createClient(
    NotificationService,
    local.transport(mesh.urls("notifications"), local.edge),
  );
  const everywhere = () =>
    Promise.all([
      outcome(local.auth.getMe({}, call)),
      outcome(local.messaging("messaging-1").listChannels({}, call)),
      outcome(local.messaging("messaging-2").listChannels({}, call)),
      outcome(inbox.listNotifications({}, call)),
    ]);
  t.deepEqual(await everywhere(), ["ok", "ok", "ok", "ok"]);

  await local.auth.logout({ refreshToken: session?.refreshToken ?? "" }, call);
  let seen: (Code | "ok")[] = [];
  await waitUntil(
    async () => {
      seen = await everywhere();
      return seen.every((code) => code === Code.Unauthenticated);
    },
    "every service refuses the logged-out token",
    15_000,
  );
  t.deepEqual(seen, Array(4).fill(Code.Unauthenticated));

  // Signing in again gives a token every service accepts.
  const again = await local.auth.login({ login: username, password });
  const fresh = { headers: { authorization: `Bearer ${again.session?.accessToken}` } };
  t.is(await outcome(local.messaging("messaging-2").listChannels({}, fresh)), "ok");
});

/** The reason the instance logged for refusing a TLS handshake after `before` lines. */
async function refusedHandshake(name: string, before: number): Promise<string | undefined> {
  for (let i = 0; i < 200; i++) {
    const line = mesh
      .instance(name)
      .logs()
      .slice(before)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "TLS handshake refused");
    if (line) return String(line.reason);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

async function refusal(name: string, tls: MeshTls): Promise<{ code: Code; reason?: string }> {
  const before = mesh.instance(name).logs().length;
  const transport: Transport = local.transport(mesh.instance(name).url, tls);
  const err = await rejection(createClient(AuthService, transport).getJwks({}));
  const rpcLines = mesh
    .instance(name)
    .logs()
    .slice(before)
    .filter((l) => l.includes('"msg":"rpc"') && l.includes("GetJwks"));
  if (rpcLines.length > 0) throw new Error(`the call reached the RPC layer: ${rpcLines[0]}`);
  return { code: err.code, reason: await refusedHandshake(name, before) };
}

test.serial("an expired mesh certificate is refused at the TLS handshake", async (t) => {
  const caPem = await readFile(join(mesh.certsDir, "ca.pem"), "utf8");
  const caKey = await readFile(join(mesh.certsDir, "ca.key"), "utf8");
  const day = 24 * 60 * 60 * 1000;
  const expired = await issueServiceCertificate(
    { certPem: caPem, keyPem: caKey },
    {
      service: "edge",
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    },
  );
  for (const name of ["auth", "messaging-1"]) {
    const { reason } = await refusal(name, { ...expired, caPem });
    t.regex(reason ?? "", /CERT_HAS_EXPIRED/, `${name} logged why`);
  }
});

test.serial("a certificate from a foreign CA is refused at the TLS handshake", async (t) => {
  const caPem = await readFile(join(mesh.certsDir, "ca.pem"), "utf8");
  const foreignCa = await createMeshCa();
  // Same identity name, same trust domain: only the issuer differs.
  const foreign = await issueServiceCertificate(foreignCa, { service: "edge" });
  for (const name of ["auth", "messaging-2"]) {
    const { reason } = await refusal(name, { ...foreign, caPem });
    t.regex(
      reason ?? "",
      /UNABLE_TO_VERIFY|unknown ca|CERTIFICATE_VERIFY_FAILED/i,
      `${name} logged why`,
    );
  }
});

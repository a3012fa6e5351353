/**
 * Logout across the mesh, against a real redis-server: auth's announcer records a revoked token
 * and publishes it; other instances hear it live, an instance started later (or reconnecting)
 * loads it from the store, and the token verifier refuses the token until it would have expired.
 */
import test from "ava";
import { Redis } from "ioredis";
import { type RedisServer, startRedis, waitUntil } from "../../test/support/redis.js";
import {
  createLogger,
  RedisPubSub,
  RedisRevokedTokenStore,
  RevokedTokenAnnouncer,
  RevokedTokens,
} from "../src/index.js";

const logger = createLogger({ service: "revocations", level: "silent" });
let redis: RedisServer;
const closers: (() => unknown)[] = [];

test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
  await redis?.close();
});

/** One "instance": its bus and its Redis client, closed after the tests. */
async function instance(name: string) {
  const pubsub = new RedisPubSub({ url: redis.url, logger, connectionName: name });
  const client = new Redis(redis.url, { lazyConnect: false });
  closers.push(
    () => pubsub.close(),
    () => client.disconnect(),
  );
  await waitUntil(() => pubsub.connected, `${name} connected`);
  return { pubsub, store: new RedisRevokedTokenStore(client, `test:${name}:revoked`), client };
}

test.serial(
  "a revocation is heard live by running instances and loaded by instances that start later",
  async (t) => {
    const auth = await instance("auth");
    const store = new RedisRevokedTokenStore(auth.client, "test:shared:revoked");
    const announcer = new RevokedTokenAnnouncer({ pubsub: auth.pubsub, store, logger });

    const a = await instance("a");
    const early = await RevokedTokens.start({
      pubsub: a.pubsub,
      store: new RedisRevokedTokenStore(a.client, "test:shared:revoked"),
      logger,
    });
    closers.push(() => early.close());
    t.false(await early.isDenied("jti-1"));

    await announcer.revoke({ tokenId: "jti-1", until: Date.now() + 60_000 });
    await waitUntil(() => early.has("jti-1"), "the running instance heard the revocation");
    t.true(await early.isDenied("jti-1"));
    t.false(await early.isDenied("jti-2"), "other tokens are not affected");

    // An instance that was not there when it was announced loads it from the store.
    const b = await instance("b");
    const late = await RevokedTokens.start({
      pubsub: b.pubsub,
      store: new RedisRevokedTokenStore(b.client, "test:shared:revoked"),
      logger,
    });
    closers.push(() => late.close());
    t.true(late.has("jti-1"));
  },
);

test.serial(
  "a revocation recorded while an instance was cut off is picked up when it reconnects",
  async (t) => {
    const auth = await instance("auth-2");
    const store = new RedisRevokedTokenStore(auth.client, "test:reconnect:revoked");
    const c = await instance("c");
    const list = await RevokedTokens.start({
      pubsub: c.pubsub,
      store: new RedisRevokedTokenStore(c.client, "test:reconnect:revoked"),
      logger,
    });
    closers.push(() => list.close());
    // Recorded without an announcement (as when the publish failed): only a reload finds it.
    await store.add({ tokenId: "missed", until: Date.now() + 60_000 }, Date.now());
    t.false(list.has("missed"));
    // The instance's bus connection drops and comes back: it reloads the store.
    const subscriberName = "c-sub";
    const clients = (await auth.client.client("LIST")) as string;
    const id = /id=(\d+) [^\n]*name=c-sub/.exec(clients)?.[1];
    t.truthy(id, `found the ${subscriberName} connection`);
    await auth.client.client("KILL", "ID", id ?? "");
    await waitUntil(() => list.has("missed"), "the reconnected instance reloaded the store");
    t.pass();
  },
);

test("expired revocations are forgotten: the token would be refused anyway", async (t) => {
  let now = 1_000_000;
  const d = await instance("d");
  const store = new RedisRevokedTokenStore(d.client, "test:expiry:revoked");
  await store.add({ tokenId: "old", until: now - 1 }, now - 2);
  await store.add({ tokenId: "fresh", until: now + 10_000 }, now - 2);
  const list = await RevokedTokens.start({ pubsub: d.pubsub, store, logger, now: () => now });
  closers.push(() => list.close());
  t.false(list.has("old"));
  t.true(list.has("fresh"));
  t.deepEqual(
    (await store.active(now)).map((r) => r.tokenId),
    ["fresh"],
  );
  now += 10_001;
  t.false(list.has("fresh"), "past its expiry");
  t.is(list.size, 0);
});

/**
 * The PresenceStore contract, run against the memory store and the Redis store (a real
 * redis-server, Debian's, started on a free port), plus the Redis store failing while Redis is
 * down (the tracker turns that into soft failures for streams, `unavailable` for the RPCs).
 */
import { Code } from "@connectrpc/connect";
import { DomainError, MemoryPubSub } from "@parley/mesh";
import test, { type ExecutionContext } from "ava";
import { startRedis, waitUntil } from "../../../test/support/redis.js";
import { MemoryPresenceStore } from "../src/adapters/memory-presence-store.js";
import { createRedisPresenceStore } from "../src/adapters/redis-presence-store.js";
import type { PresenceStore } from "../src/ports.js";
import { PresenceTracker } from "../src/presence/presence-tracker.js";
import { FakeClock, MemoryLogger } from "./helpers/harness.js";

const TTL = 60_000;

type StoreFactory = (t: ExecutionContext) => Promise<PresenceStore>;

const factories: [string, StoreFactory][] = [
  ["memory", async () => new MemoryPresenceStore()],
  [
    "redis",
    async (t) => {
      const server = await startRedis();
      const { store, redis } = createRedisPresenceStore(server.url);
      t.teardown(async () => {
        redis.disconnect();
        await server.close();
      });
      await waitUntil(() => redis.status === "ready", "redis is connected");
      return store;
    },
  ],
];

for (const [name, factory] of factories) {
  test(`${name}: a connection keeps a user present until it expires or is dropped`, async (t) => {
    const store = await factory(t);
    const now = 1_000_000;
    await store.touchConnection("u1", "c1", now + TTL, now);
    await store.touchConnection("u1", "c2", now + TTL, now);
    let read = await store.read(["u1", "u2"], now + 1);
    t.deepEqual(read.get("u1"), { userId: "u1", status: "online", lastSeenAt: now + 1 });
    t.false(read.has("u2"), "never-seen users are absent");

    await store.dropConnection("u1", "c1", now + 10);
    t.is((await store.read(["u1"], now + 11)).get("u1")?.status, "online", "c2 is still open");
    await store.dropConnection("u1", "c2", now + 20);
    read = await store.read(["u1"], now + 21);
    t.deepEqual(read.get("u1"), { userId: "u1", status: "offline", lastSeenAt: now + 20 });

    await store.touchConnection("u1", "c3", now + 100 + TTL, now + 100);
    t.is((await store.read(["u1"], now + 100 + TTL - 1)).get("u1")?.status, "online");
    t.deepEqual((await store.read(["u1"], now + 100 + TTL)).get("u1"), {
      userId: "u1",
      status: "offline",
      lastSeenAt: now + 100,
    });
  });

  test(`${name}: a chosen status lasts the session, then goes back to online`, async (t) => {
    const store = await factory(t);
    const now = 2_000_000;
    await store.heartbeat("u1", "away", now + TTL, now);
    t.is((await store.read(["u1"], now + 1)).get("u1")?.status, "away");
    await store.touchConnection("u1", "c1", now + 10 + TTL, now + 10);
    t.is((await store.read(["u1"], now + 11)).get("u1")?.status, "away", "same session");
    const later = now + 10 + TTL + 1;
    t.is((await store.read(["u1"], later)).get("u1")?.status, "offline");
    await store.touchConnection("u1", "c2", later + TTL, later);
    t.is((await store.read(["u1"], later + 1)).get("u1")?.status, "online", "a new session");
  });
}

test("with Redis down, streams are unaffected and the presence RPCs say unavailable", async (t) => {
  const server = await startRedis();
  const { store, redis } = createRedisPresenceStore(server.url);
  t.teardown(async () => {
    redis.disconnect();
    await server.close();
  });
  await waitUntil(() => redis.status === "ready", "redis is connected");
  const logger = new MemoryLogger();
  const pubsub = new MemoryPubSub();
  const tracker = new PresenceTracker({
    store,
    pubsub,
    clock: new FakeClock(),
    logger,
    ttlMs: TTL,
    refreshMs: 20_000,
  });
  await tracker.start();
  t.teardown(() => tracker.close());

  await server.stop();
  await waitUntil(() => redis.status !== "ready", "the client noticed");
  const connection = await tracker.connected("u1");
  t.truthy(connection, "opening a stream does not fail");
  await tracker.disconnected("u1", connection);
  t.true(logger.has(/presence update failed/));
  const err = await t.throwsAsync(tracker.get(["u1"]), { instanceOf: DomainError });
  t.is((err as DomainError).code, Code.Unavailable);
  const set = await t.throwsAsync(tracker.setStatus("u1", "away"), { instanceOf: DomainError });
  t.is((set as DomainError).code, Code.Unavailable);
});

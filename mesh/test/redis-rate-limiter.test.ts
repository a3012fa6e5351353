/**
 * RedisRateLimiter against a real redis-server (Debian's, started per test on a free port): the
 * sliding-window contract of MemoryRateLimiter, shared by instances with their own connections,
 * and the failure rule: Redis down → immediate answer, allowed when failing open (logged once
 * per outage), refused with `unavailable` when failing closed.
 */
import { Writable } from "node:stream";
import { Code } from "@connectrpc/connect";
import test from "ava";
import { Redis } from "ioredis";
import { type RedisServer, startRedis, waitUntil } from "../../test/support/redis.js";
import { DomainError } from "../src/domain-error.js";
import {
  RedisRateLimiter,
  type RedisRateLimiterOptions,
} from "../src/rate-limit/redis-rate-limiter.js";
import { createRedisClient } from "../src/redis/create-redis-client.js";
import { createLogger, type Logger } from "../src/telemetry/logger.js";

/** A Redis server and clients on it, all closed when the test ends, whatever happened. */
async function setup(t: { teardown(fn: () => Promise<void> | void): void }): Promise<{
  redis: RedisServer;
  client: () => Promise<Redis>;
}> {
  const redis = await startRedis();
  const clients: Redis[] = [];
  t.teardown(async () => {
    for (const client of clients) client.disconnect();
    await redis.close();
  });
  return {
    redis,
    async client() {
      const client = createRedisClient(redis.url);
      clients.push(client);
      await waitUntil(() => client.status === "ready", "the client is connected");
      return client;
    },
  };
}

/** Generous timeout: a loaded CI machine must not turn a slow answer into a fail-open. */
function limiter(
  client: Redis,
  options: Partial<RedisRateLimiterOptions> & { limit: number; windowMs: number },
): RedisRateLimiter {
  return new RedisRateLimiter({ client, prefix: "test:limit:", timeoutMs: 5_000, ...options });
}

/**
 * Whether `promise` settles before the event loop's next turn: a promise that only microtasks
 * stand between is done by then, one waiting for a timer, a socket or a queue is not. This tells
 * "answered at once" from "answered after a timeout" without measuring time.
 */
async function settlesAtOnce(promise: Promise<unknown>): Promise<string> {
  return Promise.race([
    promise.then(
      () => "resolved",
      () => "rejected",
    ),
    new Promise<string>((resolve) => setImmediate(() => resolve("still pending"))),
  ]);
}

function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  let text = "";
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger({ service: "test", level: "info", destination }),
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

test("allows up to the limit, then denies with a retry-after within the window", async (t) => {
  const { client } = await setup(t);
  const limits = limiter(await client(), { limit: 3, windowMs: 60_000 });

  for (let i = 0; i < 3; i++) {
    t.deepEqual(await limits.take("k"), { allowed: true, retryAfterMs: 0 });
  }
  const denied = await limits.take("k");
  t.false(denied.allowed);
  t.true(denied.retryAfterMs > 0, `retryAfterMs ${denied.retryAfterMs}`);
  t.true(denied.retryAfterMs <= 60_000, `retryAfterMs ${denied.retryAfterMs}`);
  // The first event was a moment ago: it leaves the window almost a full window from now.
  t.true(denied.retryAfterMs > 50_000, `retryAfterMs ${denied.retryAfterMs}`);
});

test("the window slides: waiting the retry-after is enough, denied attempts are not counted", async (t) => {
  const { client } = await setup(t);
  const limits = limiter(await client(), { limit: 2, windowMs: 400 });
  t.true((await limits.take("k")).allowed);
  t.true((await limits.take("k")).allowed);
  let denied = await limits.take("k");
  for (let i = 0; i < 5; i++) denied = await limits.take("k");
  t.false(denied.allowed);
  t.true(denied.retryAfterMs > 0 && denied.retryAfterMs <= 400);

  await new Promise((resolve) => setTimeout(resolve, denied.retryAfterMs + 5));
  t.true((await limits.take("k")).allowed, "a slot opened when the oldest event left");
});

test("instances with their own connections share one limit", async (t) => {
  const { client } = await setup(t);
  const first = limiter(await client(), { limit: 4, windowMs: 60_000 });
  const second = limiter(await client(), { limit: 4, windowMs: 60_000 });

  // Concurrent takes from both instances: exactly the limit is allowed (the script is atomic).
  const decisions = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? first : second).take("user-1")),
  );
  t.is(decisions.filter((d) => d.allowed).length, 4);
  t.false((await first.take("user-1")).allowed);
  t.false((await second.take("user-1")).allowed);
});

test("keys and prefixes are limited independently, and reset forgets one key", async (t) => {
  const { client } = await setup(t);
  const redis = await client();
  const limits = limiter(redis, { limit: 1, windowMs: 60_000 });
  const otherLimit = limiter(redis, { limit: 1, windowMs: 60_000, prefix: "test:other:" });

  t.true((await limits.take("a")).allowed);
  t.true((await limits.take("b")).allowed);
  t.true((await otherLimit.take("a")).allowed, "another prefix counts separately");
  t.false((await limits.take("a")).allowed);
  t.false((await limits.take("b")).allowed);

  await limits.reset("a");
  t.is(await redis.exists("test:limit:a"), 0);
  t.true((await limits.take("a")).allowed);
  t.false((await limits.take("b")).allowed);
  t.false((await otherLimit.take("a")).allowed);
});

test("keys expire from Redis once their window is over", async (t) => {
  const { client } = await setup(t);
  const redis = await client();
  const limits = limiter(redis, { limit: 5, windowMs: 60_000 });
  await limits.take("k");
  const ttl = await redis.pttl("test:limit:k");
  t.true(ttl > 0 && ttl <= 60_000, `pttl ${ttl}`);
});

test("the script is loaded again after Redis forgot it (restart, SCRIPT FLUSH)", async (t) => {
  const { client } = await setup(t);
  const redis = await client();
  const limits = limiter(redis, { limit: 2, windowMs: 60_000 });
  t.true((await limits.take("k")).allowed);
  await redis.script("FLUSH");
  t.true((await limits.take("k")).allowed);
  t.false((await limits.take("k")).allowed);
});

test("failing open: with Redis down it allows at once, logs once, and limits again when back", async (t) => {
  const log = captureLogger();
  const { redis, client } = await setup(t);
  const connection = await client();
  const limits = new RedisRateLimiter({
    client: connection,
    limit: 1,
    windowMs: 60_000,
    prefix: "test:limit:",
    logger: log.logger,
  });
  t.true((await limits.take("k")).allowed);
  t.false((await limits.take("k")).allowed);

  await redis.stop();
  await waitUntil(() => connection.status !== "ready", "the client saw Redis go");
  for (let i = 0; i < 5; i++) {
    t.deepEqual(await limits.take("k"), { allowed: true, retryAfterMs: 0 });
  }
  t.is(await settlesAtOnce(limits.take("k")), "resolved", "no waiting for Redis or a timeout");
  await t.notThrowsAsync(limits.reset("k"));
  const down = log.lines().filter((line) => line.level === 40);
  t.is(down.length, 1, "one warning per outage");
  t.regex(String(down[0]?.msg), /allowing requests/);

  await redis.start();
  await waitUntil(() => connection.status === "ready", "the client reconnected");
  // The restarted Redis is empty: the limit starts over, and is enforced again.
  t.true((await limits.take("k")).allowed);
  t.false((await limits.take("k")).allowed);
  t.true(log.lines().some((line) => line.msg === "rate limiter reaches Redis again"));
});

test("failing closed: with Redis down it refuses at once with unavailable", async (t) => {
  const { redis, client } = await setup(t);
  const connection = await client();
  const limits = limiter(connection, { limit: 5, windowMs: 60_000, failOpen: false });
  t.true((await limits.take("k")).allowed);

  await redis.stop();
  await waitUntil(() => connection.status !== "ready", "the client saw Redis go");
  const err = await t.throwsAsync(limits.take("k"), { instanceOf: DomainError });
  t.is(await settlesAtOnce(limits.take("k")), "rejected", "no waiting for Redis or a timeout");
  t.is(err?.code, Code.Unavailable);
  t.notRegex(String(err?.message), /redis|ECONNREFUSED/i, "no internals in the caller's message");
  await t.throwsAsync(limits.reset("k"), { instanceOf: DomainError });
});

test("it never waits for a reconnect, even on a client with ioredis's offline queue", async (t) => {
  const { redis } = await setup(t);
  await redis.stop();
  // ioredis's defaults: commands wait in the offline queue until Redis is back.
  const connection = new Redis(redis.url);
  connection.on("error", () => {});
  t.teardown(() => connection.disconnect());
  const limits = limiter(connection, { limit: 1, windowMs: 1_000 });
  t.is(await settlesAtOnce(limits.take("k")), "resolved");
  t.deepEqual(await limits.take("k"), { allowed: true, retryAfterMs: 0 });
});

test("rejects nonsensical sizes", (t) => {
  const client = createRedisClient("redis://127.0.0.1:1", { overrides: { lazyConnect: true } });
  t.teardown(() => client.disconnect());
  t.throws(() => limiter(client, { limit: 0, windowMs: 1_000 }), { instanceOf: RangeError });
  t.throws(() => limiter(client, { limit: 1, windowMs: 0 }), { instanceOf: RangeError });
  t.throws(() => limiter(client, { limit: 1, windowMs: 1.5 }), { instanceOf: RangeError });
});

import test from "ava";
import { MemoryRateLimiter } from "../src/rate-limit/memory-rate-limiter.js";

function fakeTime(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test("allows up to the limit, then denies with the time until the oldest event leaves", async (t) => {
  const time = fakeTime();
  const limiter = new MemoryRateLimiter({ limit: 3, windowMs: 10_000, now: time.now });

  t.deepEqual(await limiter.take("k"), { allowed: true, retryAfterMs: 0 });
  time.advance(2_000);
  t.true((await limiter.take("k")).allowed);
  time.advance(2_000);
  t.true((await limiter.take("k")).allowed);

  const denied = await limiter.take("k");
  t.false(denied.allowed);
  // First event at t=0, now t=4000: it leaves the window at t=10000.
  t.is(denied.retryAfterMs, 6_000);
});

test("the window slides: one slot opens as soon as the oldest event expires", async (t) => {
  const time = fakeTime();
  const limiter = new MemoryRateLimiter({ limit: 2, windowMs: 1_000, now: time.now });
  await limiter.take("k"); // t=0
  time.advance(500);
  await limiter.take("k"); // t=500
  t.false((await limiter.take("k")).allowed);

  time.advance(500); // t=1000: the t=0 event is out, the t=500 one still counts
  t.true((await limiter.take("k")).allowed);
  const denied = await limiter.take("k");
  t.false(denied.allowed);
  t.is(denied.retryAfterMs, 500);
});

test("denied attempts are not counted, so waiting the retry-after is enough", async (t) => {
  const time = fakeTime();
  const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 1_000, now: time.now });
  await limiter.take("k");
  for (let i = 0; i < 5; i++) {
    time.advance(100);
    t.false((await limiter.take("k")).allowed);
  }
  time.advance(500); // t=1000
  t.true((await limiter.take("k")).allowed);
});

test("keys are limited independently and reset forgets one key only", async (t) => {
  const time = fakeTime();
  const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 60_000, now: time.now });
  t.true((await limiter.take("a")).allowed);
  t.true((await limiter.take("b")).allowed);
  t.false((await limiter.take("a")).allowed);
  t.false((await limiter.take("b")).allowed);

  await limiter.reset("a");
  t.true((await limiter.take("a")).allowed);
  t.false((await limiter.take("b")).allowed);
});

test("idle keys are swept once their events have left the window", async (t) => {
  const time = fakeTime();
  const limiter = new MemoryRateLimiter({ limit: 5, windowMs: 1_000, now: time.now });
  for (let i = 0; i < 50; i++) await limiter.take(`addr-${i}`);
  t.is(limiter.size, 50);

  time.advance(1_001);
  await limiter.take("fresh");
  t.is(limiter.size, 1);
});

test("maxKeys bounds memory by forgetting the least recently used key", async (t) => {
  const time = fakeTime();
  const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 60_000, now: time.now, maxKeys: 2 });
  await limiter.take("a");
  await limiter.take("b");
  t.false((await limiter.take("a")).allowed); // touches "a": "b" becomes least recently used
  await limiter.take("c"); // evicts "b"
  t.is(limiter.size, 2);
  t.true((await limiter.take("b")).allowed, "b was forgotten");
  t.false((await limiter.take("c")).allowed, "c is still remembered");
});

test("rejects nonsensical configuration", (t) => {
  t.throws(() => new MemoryRateLimiter({ limit: 0, windowMs: 1_000 }), { instanceOf: RangeError });
  t.throws(() => new MemoryRateLimiter({ limit: 1.5, windowMs: 1_000 }), {
    instanceOf: RangeError,
  });
  t.throws(() => new MemoryRateLimiter({ limit: 1, windowMs: 0 }), { instanceOf: RangeError });
  t.throws(() => new MemoryRateLimiter({ limit: 1, windowMs: Number.NaN }), {
    instanceOf: RangeError,
  });
  t.throws(() => new MemoryRateLimiter({ limit: 1, windowMs: 1, maxKeys: 0 }), {
    instanceOf: RangeError,
  });
});

test("uses the wall clock by default", async (t) => {
  const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 60_000 });
  t.true((await limiter.take("k")).allowed);
  const denied = await limiter.take("k");
  t.false(denied.allowed);
  t.true(denied.retryAfterMs > 59_000 && denied.retryAfterMs <= 60_000);
});

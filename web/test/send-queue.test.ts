import { Code, ConnectError } from "@connectrpc/connect";
import type { Message } from "@parley/gen/parley/messaging/v1/message_pb.js";
import test from "ava";
import { type KeptMessage, storagePendingStore } from "../src/lib/pending-store.js";
import { RESEND_WINDOW_MS, SendQueue, type SendRequest } from "../src/lib/send-queue.js";
import { CH, CH2, ME, message } from "./support/events.js";
import { until } from "./support/fake-stream.js";
import { MemoryStorage } from "./support/storage.js";

/** A SendMessage that answers as the test says, one call at a time, recording every request. */
function fakeServer() {
  const requests: SendRequest[] = [];
  const stored = new Map<string, Message>();
  let answer: (req: SendRequest) => Promise<void> = async () => {};
  return {
    requests,
    stored,
    set answer(fn: (req: SendRequest) => Promise<void>) {
      answer = fn;
    },
    async send(req: SendRequest): Promise<Message> {
      requests.push(req);
      await answer(req);
      // Idempotent by key, as the server: the same key returns the same message.
      let msg = stored.get(req.idempotencyKey);
      if (!msg) {
        msg = message({
          seq: BigInt(stored.size + 1),
          text: req.text,
          idempotencyKey: req.idempotencyKey,
        });
        stored.set(req.idempotencyKey, msg);
      }
      return msg;
    },
  };
}

function queue(server: ReturnType<typeof fakeServer>, online = () => true) {
  const sent: Message[] = [];
  let n = 0;
  const q = new SendQueue({
    send: (req) => server.send(req),
    onSent: (m) => sent.push(m),
    isOnline: online,
    newKey: () => `key-${++n}`,
    backoff: { baseMs: 1, maxMs: 2 },
  });
  return { q, sent };
}

test("a message shows as pending at once and leaves the queue when the server stores it", async (t) => {
  const server = fakeServer();
  const { q, sent } = queue(server);
  const item = q.enqueue(CH, "hello");
  t.deepEqual(
    q.pending(CH).map((p) => [p.text, p.state]),
    [["hello", "sending"]],
  );
  await until(() => sent.length === 1);
  t.deepEqual(q.pending(CH), []);
  t.is(sent[0]?.text, "hello");
  t.deepEqual(server.requests, [
    { channelId: CH, text: "hello", threadRootId: "", idempotencyKey: item.key },
  ]);
});

test("passing failures are retried under the same idempotency key, so it is stored once", async (t) => {
  const server = fakeServer();
  let failures = 2;
  server.answer = async () => {
    if (failures-- > 0) throw new ConnectError("Failed to fetch", Code.Unknown);
  };
  const { q, sent } = queue(server);
  const item = q.enqueue(CH, "through a flaky network");
  await until(() => sent.length === 1);
  t.is(server.requests.length, 3);
  t.true(
    server.requests.every((r) => r.idempotencyKey === item.key),
    "one key for every try",
  );
  t.is(server.stored.size, 1);
});

test("a lost answer does not duplicate: the retry returns the message stored the first time", async (t) => {
  const server = fakeServer();
  let loseAnswer = true;
  const real = server.send.bind(server);
  const { q, sent } = queue({
    ...server,
    async send(req: SendRequest) {
      const msg = await real(req); // stored by the server…
      if (loseAnswer) {
        loseAnswer = false;
        throw new ConnectError("network error", Code.Unavailable); // …but the answer is lost
      }
      return msg;
    },
  } as never);
  q.enqueue(CH, "once only");
  await until(() => sent.length === 1);
  t.is(server.stored.size, 1);
  t.is(server.requests.length, 2);
});

test("the message's event arriving first confirms it, and nothing is sent again", async (t) => {
  const server = fakeServer();
  let release: () => void = () => {};
  server.answer = () =>
    new Promise((_resolve, reject) => {
      release = () => reject(new ConnectError("answer lost", Code.Unavailable));
    });
  const { q } = queue(server);
  const item = q.enqueue(CH, "fast event");
  await until(() => server.requests.length === 1);
  q.confirm(item.key); // message_created with this idempotency key came on the stream
  t.deepEqual(q.pending(CH), []);
  release();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(server.requests.length, 1, "no retry for a confirmed message");
});

test("a refusal is final until the person retries (same key) or discards it", async (t) => {
  const server = fakeServer();
  let refuse = true;
  server.answer = async () => {
    if (refuse) throw new ConnectError("this channel is archived", Code.FailedPrecondition);
  };
  const { q, sent } = queue(server);
  const item = q.enqueue(CH, "too late");
  await until(() => q.pending(CH)[0]?.state === "failed");
  t.is(q.pending(CH)[0]?.error, "This channel is archived.");
  t.is(server.requests.length, 1, "not retried by itself");
  refuse = false;
  q.retry(item.key);
  await until(() => sent.length === 1);
  t.deepEqual(
    server.requests.map((r) => r.idempotencyKey),
    [item.key, item.key],
  );
  refuse = true;
  const other = q.enqueue(CH, "discard me");
  await until(() => q.pending(CH)[0]?.state === "failed");
  q.discard(other.key);
  t.deepEqual(q.pending(CH), []);
});

test("offline, messages wait; back online they go out in the order they were written", async (t) => {
  const server = fakeServer();
  let online = false;
  const { q, sent } = queue(server, () => online);
  q.enqueue(CH, "first");
  q.enqueue(CH, "second");
  q.enqueue(CH, "third", "root-1");
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(server.requests.length, 0);
  t.is(q.pending(CH)[0]?.state, "waiting");
  online = true;
  q.online();
  await until(() => sent.length === 3);
  t.deepEqual(
    server.requests.filter((r) => r.threadRootId === "").map((r) => r.text),
    ["first", "second"],
  );
  t.deepEqual(q.pending(CH, "root-1"), []);
});

test("pending lists keep their identity while unchanged (no needless re-render)", (t) => {
  const server = fakeServer();
  server.answer = () => new Promise(() => {}); // never answers
  const { q } = queue(server);
  q.enqueue(CH, "in the channel");
  const before = q.pending(CH);
  q.enqueue(CH, "in a thread", "root-1");
  t.is(q.pending(CH), before);
  t.is(q.pending(CH, "root-1").length, 1);
});

// ---- Kept across reloads (a PendingStore over an in-memory localStorage) ----

const T0 = 1_700_000_000_000;

/**
 * One page of the app: a queue whose pending messages are kept in `storage` for `ME`, as the app
 * keeps them in localStorage. A reload is a new page over the same storage.
 */
function page(
  storage: MemoryStorage,
  server: { send(req: SendRequest): Promise<Message> },
  options: { online?: () => boolean; now?: () => number } = {},
) {
  const sent: Message[] = [];
  const store = storagePendingStore(() => storage, ME);
  const q = new SendQueue({
    send: (req) => server.send(req),
    onSent: (m) => sent.push(m),
    isOnline: options.online ?? (() => true),
    newKey: () => crypto.randomUUID(),
    now: options.now ?? (() => T0),
    backoff: { baseMs: 1, maxMs: 2 },
    store,
  });
  return { q, sent, store };
}

const keptTexts = (storage: MemoryStorage) =>
  storagePendingStore(() => storage, ME)
    .load()
    .map((m) => m.text);

test("pending messages survive a reload and go out under the keys they were first sent with: one the server stored before is not stored twice", async (t) => {
  const storage = new MemoryStorage();
  const server = fakeServer();
  const real = server.send.bind(server);
  let answers = false;
  // The server stores what reaches it, but no answer gets back (the connection drops).
  const lossy = {
    async send(req: SendRequest) {
      const msg = await real(req);
      if (!answers) throw new ConnectError("network error", Code.Unavailable);
      return msg;
    },
  };
  const before = page(storage, lossy);
  const stored = before.q.enqueue(CH, "stored, answer lost");
  const behind = before.q.enqueue(CH, "never tried");
  await until(() => server.stored.size === 1 && before.q.pending(CH)[0]?.state === "waiting");
  t.deepEqual(keptTexts(storage), ["stored, answer lost", "never tried"]);
  before.q.stop(); // the page goes away (a reload, or signing out): the store keeps them
  t.deepEqual(keptTexts(storage), ["stored, answer lost", "never tried"]);

  answers = true;
  const tries = server.requests.length;
  const after = page(storage, lossy);
  after.q.restore();
  t.deepEqual(
    after.q.pending(CH).map((p) => [p.key, p.text]),
    [
      [stored.key, "stored, answer lost"],
      [behind.key, "never tried"],
    ],
    "shown again at once, with their keys",
  );
  await until(() => after.sent.length === 2);
  t.deepEqual(
    server.requests.slice(tries).map((r) => [r.idempotencyKey, r.text]),
    [
      [stored.key, "stored, answer lost"],
      [behind.key, "never tried"],
    ],
    "in the order written, same keys",
  );
  t.is(server.stored.size, 2, "the one stored before the reload is not stored again");
  t.deepEqual(after.q.pending(CH), []);
  t.deepEqual(keptTexts(storage), [], "confirmed: no longer kept");
});

test("restored while offline: they wait, then go out per conversation in the order written", async (t) => {
  const storage = new MemoryStorage();
  const keep = storagePendingStore(() => storage, ME);
  const key = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
  const at = (n: number, text: string, extra: Partial<KeptMessage> = {}): KeptMessage => ({
    key: key(n),
    channelId: CH,
    threadRootId: "",
    text,
    createdAt: T0 + n,
    ...extra,
  });
  // Written to storage out of order (two tabs may do that): createdAt decides.
  keep.put(at(2, "second"));
  keep.put(at(1, "first"));
  keep.put(at(3, "elsewhere", { channelId: CH2 }));
  const server = fakeServer();
  let online = false;
  const { q, sent } = page(storage, server, { online: () => online, now: () => T0 + 60_000 });
  q.restore();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(server.requests.length, 0, "nothing is tried offline");
  t.deepEqual(
    q.pending(CH).map((p) => p.text),
    ["first", "second"],
  );
  t.is(q.pending(CH)[0]?.state, "waiting");
  online = true;
  q.online();
  await until(() => sent.length === 3);
  t.deepEqual(
    server.requests.filter((r) => r.channelId === CH).map((r) => [r.text, r.idempotencyKey]),
    [
      ["first", key(1)],
      ["second", key(2)],
    ],
  );
  t.deepEqual(keptTexts(storage), []);
});

test("a refused message stays failed after a reload, with its reason; Retry uses its key, Discard forgets it", async (t) => {
  const storage = new MemoryStorage();
  const server = fakeServer();
  server.answer = async () => {
    throw new ConnectError("this channel is archived", Code.FailedPrecondition);
  };
  const before = page(storage, server);
  const refused = before.q.enqueue(CH, "too late");
  const other = before.q.enqueue(CH, "also refused");
  await until(() => before.q.pending(CH).every((p) => p.state === "failed"));
  before.q.stop();

  server.answer = async () => {};
  const tries = server.requests.length;
  const after = page(storage, server);
  after.q.restore();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(server.requests.length, tries, "not sent again by itself");
  t.deepEqual(
    after.q.pending(CH).map((p) => [p.text, p.state, p.error]),
    [
      ["too late", "failed", "This channel is archived."],
      ["also refused", "failed", "This channel is archived."],
    ],
  );
  after.q.retry(refused.key);
  await until(() => after.sent.length === 1);
  t.is(server.requests.at(-1)?.idempotencyKey, refused.key);
  after.q.discard(other.key);
  t.deepEqual(after.q.pending(CH), []);
  t.deepEqual(keptTexts(storage), [], "neither is kept any more");
});

test("a message kept for more than a day is not sent by itself: the server may have forgotten its key", async (t) => {
  const storage = new MemoryStorage();
  const server = fakeServer();
  let now = T0;
  const before = page(storage, server, { online: () => false, now: () => now });
  const old = before.q.enqueue(CH, "from yesterday");
  before.q.stop();
  now = T0 + RESEND_WINDOW_MS + 1;
  const after = page(storage, server, { now: () => now });
  after.q.restore();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(server.requests.length, 0);
  t.deepEqual(
    after.q.pending(CH).map((p) => [p.state, p.error]),
    [["failed", "It waited more than a day, so it may already be in the conversation."]],
  );
  after.q.retry(old.key); // the person decides
  await until(() => after.sent.length === 1);
  t.is(server.requests[0]?.idempotencyKey, old.key);
});

test("confirmed by its event: no longer kept, in this queue or another tab's", async (t) => {
  const storage = new MemoryStorage();
  const server = fakeServer();
  server.answer = () => new Promise(() => {}); // never answers
  const tab1 = page(storage, server);
  const tab2 = page(storage, server);
  const mine = tab1.q.enqueue(CH, "from tab 1");
  const theirs = tab2.q.enqueue(CH, "from tab 2");
  t.deepEqual(keptTexts(storage), ["from tab 1", "from tab 2"]);
  tab1.q.confirm(mine.key);
  tab1.q.confirm(theirs.key); // tab 1's stream carries tab 2's message too
  t.deepEqual(keptTexts(storage), []);
});

test("the session ending (unauthenticated) leaves a message pending for the next sign-in, not failed", async (t) => {
  const storage = new MemoryStorage();
  const server = fakeServer();
  server.answer = async () => {
    throw new ConnectError("your session has ended", Code.Unauthenticated);
  };
  const { q } = page(storage, server);
  q.enqueue(CH, "as the session ends");
  await until(() => server.requests.length >= 2);
  t.is(q.pending(CH)[0]?.state, "waiting");
  q.stop(); // signed out
  t.deepEqual(
    storagePendingStore(() => storage, ME)
      .load()
      .map((m) => [m.text, m.failed]),
    [["as the session ends", undefined]],
  );
});

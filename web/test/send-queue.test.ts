import { Code, ConnectError } from "@connectrpc/connect";
import type { Message } from "@parley/gen/parley/messaging/v1/message_pb.js";
import test from "ava";
import { SendQueue, type SendRequest } from "../src/lib/send-queue.js";
import { CH, message } from "./support/events.js";
import { until } from "./support/fake-stream.js";

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

import test from "ava";
import {
  type KeptMessage,
  type KeyValueStorage,
  pendingStorageKey,
  storagePendingStore,
} from "../src/lib/pending-store.js";
import { CH, CH2, ME, OTHER } from "./support/events.js";
import { MemoryStorage } from "./support/storage.js";

const KEY_1 = "00000000-0000-4000-8000-000000000001";
const KEY_2 = "00000000-0000-4000-8000-000000000002";
const KEY_3 = "00000000-0000-4000-8000-000000000003";
const ROOT = "33333333-3333-4333-8333-333333333333";

function kept(key: string, text: string, extra: Partial<KeptMessage> = {}): KeptMessage {
  return { key, channelId: CH, threadRootId: "", text, createdAt: 1_700_000_000_000, ...extra };
}

test("round trip: what is put comes back as it was, in the order written, until removed", (t) => {
  const storage = new MemoryStorage();
  const store = storagePendingStore(() => storage, ME);
  const first = kept(KEY_1, "first");
  const reply = kept(KEY_2, "in a thread", { threadRootId: ROOT, createdAt: 1_700_000_000_500 });
  const refused = kept(KEY_3, "refused", { channelId: CH2, failed: "This channel is archived." });
  store.put(first);
  store.put(reply);
  store.put(refused);
  // What a reload reads: a new store over the same storage.
  const again = storagePendingStore(() => storage, ME);
  t.deepEqual(again.load(), [first, reply, refused]);
  // Put again under the same key: replaced in place (Retry of a failed one), not added.
  again.put(kept(KEY_3, "refused", { channelId: CH2 }));
  t.deepEqual(
    store.load().map((m) => [m.key, m.failed]),
    [
      [KEY_1, undefined],
      [KEY_2, undefined],
      [KEY_3, undefined],
    ],
  );
  store.remove(KEY_1);
  store.remove(KEY_3);
  t.deepEqual(store.load(), [reply]);
  store.remove(KEY_2);
  t.deepEqual(store.load(), []);
  t.deepEqual([...storage.entries.keys()], [], "nothing left behind once all are confirmed");
});

test("only the message's own fields are kept (not the queue's state or attempts)", (t) => {
  const storage = new MemoryStorage();
  const store = storagePendingStore(() => storage, ME);
  store.put({ ...kept(KEY_1, "hi"), state: "waiting", attempts: 3 } as KeptMessage);
  t.deepEqual(JSON.parse(storage.getItem(pendingStorageKey(ME)) ?? ""), {
    version: 1,
    messages: [
      { key: KEY_1, channelId: CH, threadRootId: "", text: "hi", createdAt: 1_700_000_000_000 },
    ],
  });
});

test("one entry per person: another person signing in on the same browser sees none of it", (t) => {
  const storage = new MemoryStorage();
  const ada = storagePendingStore(() => storage, ME);
  const bob = storagePendingStore(() => storage, OTHER);
  ada.put(kept(KEY_1, "Ada's"));
  t.deepEqual(bob.load(), []);
  bob.put(kept(KEY_2, "Bob's"));
  bob.remove(KEY_1); // Bob's stream never confirms Ada's keys, but even so
  t.deepEqual(
    ada.load().map((m) => m.text),
    ["Ada's"],
  );
  t.deepEqual(
    bob.load().map((m) => m.text),
    ["Bob's"],
  );
  t.deepEqual([...storage.entries.keys()].sort(), [
    `parley.pending.${ME}`,
    `parley.pending.${OTHER}`,
  ]);
});

test("two tabs of one person: each change keeps what the other tab put", (t) => {
  const storage = new MemoryStorage();
  const tab1 = storagePendingStore(() => storage, ME);
  const tab2 = storagePendingStore(() => storage, ME);
  tab1.put(kept(KEY_1, "from tab 1"));
  tab2.put(kept(KEY_2, "from tab 2"));
  tab1.remove(KEY_1);
  t.deepEqual(
    tab1.load().map((m) => m.text),
    ["from tab 2"],
  );
});

test("corrupt or foreign data is dropped, valid messages next to it are kept, nothing throws", (t) => {
  const storage = new MemoryStorage();
  const store = storagePendingStore(() => storage, ME);
  const name = pendingStorageKey(ME);
  for (const text of [
    "{not json",
    "null",
    "42",
    '"text"',
    "[]",
    '{"messages":[]}',
    '{"version":2,"messages":[]}',
    '{"version":1,"messages":{}}',
    '{"version":1}',
  ]) {
    storage.setItem(name, text);
    t.deepEqual(store.load(), [], text);
  }
  const good = kept(KEY_1, "good");
  const bad: unknown[] = [
    null,
    "a string",
    [good],
    { ...good, key: "not-a-uuid" },
    { ...good, key: 1 },
    { ...good, channelId: "" },
    { ...good, channelId: "general" },
    { ...good, threadRootId: undefined },
    { ...good, threadRootId: "root" },
    { ...good, text: "" },
    { ...good, text: "   " },
    { ...good, text: 7 },
    { ...good, text: "x".repeat(8001) },
    { ...good, createdAt: "yesterday" },
    { ...good, createdAt: -1 },
    { ...good, createdAt: null }, // JSON's NaN and Infinity
    { ...good, failed: 1 },
    { ...good, failed: "x".repeat(1001) },
  ];
  const reply = kept(KEY_2, "a reply", { threadRootId: ROOT, failed: "Refused." });
  storage.setItem(
    name,
    JSON.stringify({
      version: 1,
      messages: [...bad, good, { ...good, text: "same key again" }, reply],
    }),
  );
  t.deepEqual(store.load(), [good, reply], "the invalid ones and the repeated key are dropped");
  // A change writes back only valid messages.
  store.put(kept(KEY_3, "new"));
  t.deepEqual(
    JSON.parse(storage.getItem(name) ?? "").messages.map((m: KeptMessage) => m.key),
    [KEY_1, KEY_2, KEY_3],
  );
  // Unknown extra fields are not carried along.
  storage.setItem(
    name,
    JSON.stringify({ version: 1, messages: [{ ...good, html: "<img onerror=x>" }] }),
  );
  t.deepEqual(store.load(), [good]);
});

test("storage full or unavailable: nothing throws, the messages are just not kept", (t) => {
  const storage = new MemoryStorage();
  const store = storagePendingStore(() => storage, ME);
  store.put(kept(KEY_1, "kept"));
  storage.full = true;
  t.notThrows(() => store.put(kept(KEY_2, "too much")));
  t.deepEqual(
    store.load().map((m) => m.key),
    [KEY_1],
  );
  t.notThrows(() => store.remove(KEY_1));
  storage.full = false;

  const blocked = storagePendingStore(() => {
    throw new DOMException("The operation is insecure.", "SecurityError");
  }, ME);
  t.notThrows(() => blocked.put(kept(KEY_1, "x")));
  t.notThrows(() => blocked.remove(KEY_1));
  t.deepEqual(blocked.load(), []);

  const missing = storagePendingStore(() => undefined, ME); // no localStorage at all
  missing.put(kept(KEY_1, "x"));
  t.deepEqual(missing.load(), []);

  const throwing: KeyValueStorage = {
    getItem: () => {
      throw new Error("broken");
    },
    setItem: () => {
      throw new Error("broken");
    },
    removeItem: () => {
      throw new Error("broken");
    },
  };
  const broken = storagePendingStore(() => throwing, ME);
  t.notThrows(() => broken.put(kept(KEY_1, "x")));
  t.notThrows(() => broken.remove(KEY_1));
  t.deepEqual(broken.load(), []);
});

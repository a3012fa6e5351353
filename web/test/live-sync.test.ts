import { createClient, createRouterTransport } from "@connectrpc/connect";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { QueryClient } from "@tanstack/react-query";
import test from "ava";
import { LiveSync } from "../src/app/live-sync.js";
import { storagePendingStore } from "../src/lib/pending-store.js";
import { SessionManager } from "../src/lib/session-manager.js";
import { CH } from "./support/events.js";
import { MemoryStore } from "./support/sessions.js";
import { MemoryStorage } from "./support/storage.js";

/** A LiveSync as the app makes one at sign-in (never started: no stream is needed here). */
function signIn(selfUserId: string): LiveSync {
  const transport = createRouterTransport(() => {});
  const session = new SessionManager({
    store: new MemoryStore(),
    refresh: () => Promise.reject(new Error("not used")),
  });
  return new LiveSync({
    transport,
    messaging: createClient(MessagingService, transport),
    queryClient: new QueryClient(),
    session,
    selfUserId,
  });
}

test("unsent drafts belong to one signed-in session: the next person starts without them", (t) => {
  const ada = signIn("u1");
  ada.drafts.set("c1/", "only for Ada's eyes");
  t.is(ada.drafts.get("c1/"), "only for Ada's eyes");
  // Sign-out drops Ada's LiveSync; the next sign-in on the page makes a new one.
  const bob = signIn("u2");
  t.is(bob.drafts.get("c1/"), undefined);
  t.is(bob.drafts.size, 0);
  // Each session has a map of its own, not one shared by the page (nor emptied for each new
  // session): what either writes stays with it, both ways.
  t.not(bob.drafts, ada.drafts);
  bob.drafts.set("c2/", "Bob's");
  t.is(ada.drafts.get("c2/"), undefined);
  t.deepEqual([...ada.drafts], [["c1/", "only for Ada's eyes"]]);
  t.deepEqual([...bob.drafts], [["c2/", "Bob's"]]);
});

test("unconfirmed messages are kept in localStorage per person: the next person signing in gets none", (t) => {
  const storage = new MemoryStorage();
  Object.defineProperty(globalThis, "localStorage", { value: storage, configurable: true });
  t.teardown(() => Reflect.deleteProperty(globalThis, "localStorage"));
  // Ada's message, refused before her last reload (failed: restoring it sends nothing).
  storagePendingStore(() => storage, "u1").put({
    key: "00000000-0000-4000-8000-000000000001",
    channelId: CH,
    threadRootId: "",
    text: "only for Ada's eyes",
    createdAt: Date.now(),
    failed: "This channel is archived.",
  });
  const bob = signIn("u2");
  bob.sendQueue.restore();
  t.deepEqual(bob.sendQueue.pending(CH), []);
  const ada = signIn("u1");
  ada.sendQueue.restore();
  t.deepEqual(
    ada.sendQueue.pending(CH).map((p) => [p.text, p.state]),
    [["only for Ada's eyes", "failed"]],
  );
});

import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Transport,
} from "@connectrpc/connect";
import { createInfiniteQueryOptions } from "@connectrpc/connect-query";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { InfiniteQueryObserver, QueryClient } from "@tanstack/react-query";
import test from "ava";
import { LiveSync } from "../src/app/live-sync.js";
import { olderPageParam, timelineInput } from "../src/app/queries.js";
import { storagePendingStore } from "../src/lib/pending-store.js";
import { SessionManager } from "../src/lib/session-manager.js";
import { CH, ME, message, subscribed } from "./support/events.js";
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

/** Waits until `done()` holds, polling; fails with `what` after `ms`. */
async function until(done: () => boolean, what: string, ms = 3000): Promise<void> {
  const give = Date.now() + ms;
  while (!done()) {
    if (Date.now() > give) throw new Error(`still not ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A Parley the test takes away and brings back (a restart, an outage the browser does not
 * notice): while it is away the stream ends, a new Subscribe hangs, and ListMessages fails with
 * `unavailable`.
 */
class Server {
  #up = true;
  #back: Promise<void> = Promise.resolve();
  #bringBack = () => {};
  #dropStream = () => {};
  readonly transport: Transport;

  constructor() {
    const server = this;
    this.transport = createRouterTransport(({ service }) => {
      service(MessagingService, {
        async *subscribe(_req, ctx) {
          await server.#back;
          yield { event: subscribed([]) };
          await new Promise<void>((resolve) => {
            server.#dropStream = resolve;
            ctx.signal.addEventListener("abort", () => resolve());
          });
          throw new ConnectError("the server went away", Code.Unavailable);
        },
        async listMessages() {
          if (!server.#up) throw new ConnectError("the server went away", Code.Unavailable);
          return { messages: [message({ seq: 1n, text: "from before the outage" })] };
        },
      });
    });
  }

  goAway(): void {
    this.#up = false;
    this.#back = new Promise((resolve) => {
      this.#bringBack = resolve;
    });
    this.#dropStream();
  }

  comeBack(): void {
    this.#up = true;
    this.#bringBack();
  }
}

test("when the live stream comes back, a history that failed to load meanwhile loads by itself", async (t) => {
  // The browser stays online all along: it is Parley that cannot be reached.
  Object.defineProperty(globalThis, "window", { value: new EventTarget(), configurable: true });
  Object.defineProperty(globalThis, "navigator", { value: { onLine: true }, configurable: true });
  t.teardown(() => {
    Reflect.deleteProperty(globalThis, "window");
    Reflect.deleteProperty(globalThis, "navigator");
  });
  const server = new Server();
  const { transport } = server;
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const live = new LiveSync({
    transport,
    messaging: createClient(MessagingService, transport),
    queryClient,
    session: new SessionManager({
      store: new MemoryStore(),
      refresh: () => Promise.reject(new Error("not used")),
    }),
    selfUserId: ME,
    pendingStore: storagePendingStore(() => new MemoryStorage(), ME),
  });
  live.start();
  t.teardown(() => live.stop());
  const status = () => live.store.state.status;
  await until(() => status() === "live", "live");

  server.goAway();
  await until(() => status() === "reconnecting", "reconnecting");
  // The person opens the channel meanwhile (the timeline's query): its history fails.
  const history = new InfiniteQueryObserver(
    queryClient,
    createInfiniteQueryOptions(MessagingService.method.listMessages, timelineInput(CH), {
      transport,
      pageParamKey: "anchor",
      getNextPageParam: olderPageParam,
    }),
  );
  t.teardown(history.subscribe(() => {}));
  await until(() => history.getCurrentResult().isError, "failed");

  server.comeBack();
  await until(() => status() === "live", "live again");
  // Nobody clicks Try again.
  await until(() => history.getCurrentResult().isSuccess, "loaded again");
  t.deepEqual(
    history.getCurrentResult().data?.pages.flatMap((page) => page.messages.map((m) => m.text)),
    ["from before the outage"],
  );
});

/**
 * An instance killed for real: `kill -9` of one messaging process of the local mesh while people
 * stream from it and someone keeps sending. Streaming clients reconnect to the other instance with
 * the positions they had, and between the streams before and after, every message arrives exactly
 * once, in order. The sender's in-flight Send is retried with its idempotency key, so nothing is
 * lost or stored twice. Then the killed instance starts again and serves.
 */
import { randomUUID } from "node:crypto";
import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import type { MessagingEvent } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import { startTestMesh } from "./support/local-mesh.js";
import {
  createChannel,
  createdText,
  EventStream,
  offsets,
  run,
  startOffset,
  type TestUser,
  waitUntil,
} from "./support/messaging-cluster.js";

const local = await startTestMesh();
const { mesh } = local;
test.after.always(() => local.close());

/**
 * A person's live connection as a client app keeps it: a Subscribe stream on one instance, and
 * when it breaks, a new one on the next instance that answers, sent the positions it had.
 */
class Follower {
  readonly streams: EventStream[] = [];
  /** Instance names, one stream after another. */
  readonly served: string[] = [];
  readonly #watch: NodeJS.Timeout;
  #reconnecting = false;
  #closed = false;

  private constructor(
    readonly user: TestUser,
    private readonly instances: readonly string[],
  ) {
    this.#watch = setInterval(() => void this.#check(), 20);
  }

  static async start(user: TestUser, instances: readonly string[]) {
    const follower = new Follower(user, instances);
    const first = instances[0] ?? "";
    const { stream, subscribed } = await EventStream.open(local.messaging(first), user);
    follower.streams.push(stream);
    follower.served.push(first);
    return { follower, subscribed };
  }

  get current(): EventStream | undefined {
    return this.streams.at(-1);
  }

  /** Durable events of `channelId` over every stream, in arrival order. */
  received(channelId: string): MessagingEvent[] {
    return this.streams.flatMap((s) => s.received(channelId));
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#watch);
    for (const stream of this.streams) stream.close();
  }

  async #check(): Promise<void> {
    const current = this.current;
    if (this.#closed || this.#reconnecting || !current?.ended) return;
    this.#reconnecting = true;
    try {
      const positions = current.positions();
      const last = this.served.at(-1);
      // The next instance first: the one that broke is likely still down.
      const order = [...this.instances.filter((i) => i !== last), ...(last ? [last] : [])];
      for (const name of order) {
        try {
          const { stream } = await EventStream.open(local.messaging(name), this.user, positions);
          this.streams.push(stream);
          this.served.push(name);
          return;
        } catch {
          // Refused or broken: try the next instance.
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }
}

/** Sends like a client app: on a transport failure, again with the same idempotency key. */
async function sendSurely(
  client: Client<typeof MessagingService>,
  author: TestUser,
  channelId: string,
  text: string,
): Promise<{ id: string; attempts: number }> {
  const idempotencyKey = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await client.sendMessage({ channelId, text, idempotencyKey }, author.call);
      return { id: res.message?.id ?? "", attempts: attempt };
    } catch (err) {
      if (attempt >= 20) throw err;
      const code = ConnectError.from(err).code;
      if (code === 3 || code === 7 || code === 16) throw err; // invalid, denied, unauthenticated
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

test.serial(
  "kill -9 of a messaging instance: streaming clients reconnect to the other with their offsets and get every message once, in order",
  async (t) => {
    const alice = await local.register("alice");
    const bob = await local.register("bob");
    const carol = await local.register("carol");
    const dave = await local.register("dave");
    const channel = await createChannel(local.messaging("messaging-1"), alice, {
      members: [bob, carol, dave],
    });

    // Bob and carol stream from messaging-2, the instance about to die; dave from messaging-1.
    const started = await Promise.all([
      Follower.start(bob, ["messaging-2", "messaging-1"]),
      Follower.start(carol, ["messaging-2", "messaging-1"]),
      Follower.start(dave, ["messaging-1", "messaging-2"]),
    ]);
    const followers = started.map((s) => s.follower);
    t.teardown(() => {
      for (const f of followers) f.close();
    });
    const start = startOffset(started[0]?.subscribed ?? never(), channel.id);

    // Alice sends through both instances (the mesh client spreads calls and skips a dead one).
    const sender = createClient(
      MessagingService,
      local.transport(mesh.urls("messaging"), local.edge, {
        defaultTimeoutMs: 10_000,
        breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 },
      }),
    );
    const TOTAL = 40;
    const KILL_AFTER = 15;
    const texts = Array.from({ length: TOTAL }, (_, i) => `message ${i + 1}`);
    const victim = mesh.instance("messaging-2");
    const victimPid = victim.pid;
    let retried = 0;
    let killed: Promise<{ signal: NodeJS.Signals | null }> | undefined;
    for (const [i, text] of texts.entries()) {
      if (i === KILL_AFTER) {
        // Mid-traffic, with bob's and carol's streams open on it, and (often) a Send in flight.
        t.false(followers[0]?.current?.ended ?? true, "bob was still streaming from messaging-2");
        killed = victim.kill("SIGKILL");
      }
      const { attempts } = await sendSurely(sender, alice, channel.id, text);
      retried += attempts - 1;
    }
    t.is((await killed)?.signal, "SIGKILL");
    t.log(`sends retried after the kill: ${retried}`);
    t.false(victim.running);

    for (const follower of followers) {
      await waitUntil(
        () => follower.received(channel.id).length >= TOTAL,
        `${follower.user.username} received all ${TOTAL} messages`,
        30_000,
      );
      const events = follower.received(channel.id);
      t.deepEqual(
        offsets(events),
        run(start, TOTAL),
        `${follower.user.username}: every offset once`,
      );
      t.deepEqual(events.map(createdText), texts, `${follower.user.username}: every message once`);
    }
    // Bob and carol lost their stream with the process and recovered on messaging-1.
    for (const follower of followers.slice(0, 2)) {
      t.is(follower.served[0], "messaging-2");
      t.true(follower.streams[0]?.ended, "the stream on the killed instance broke");
      t.is(follower.served.at(-1), "messaging-1", "and the client moved to the other instance");
    }
    t.deepEqual(followers[2]?.served, ["messaging-1"], "dave's stream was never interrupted");

    // The killed instance comes back on its port and serves again: bob moves back to it with his
    // positions, misses nothing and gets what alice sends next.
    await victim.restart();
    t.not(victim.pid, victimPid);
    const bobsPositions = followers[0]?.current?.positions() ?? never();
    const { stream: back } = await EventStream.open(
      local.messaging("messaging-2"),
      bob,
      bobsPositions,
    );
    t.teardown(() => back.close());
    await sendSurely(local.messaging("messaging-1"), alice, channel.id, "welcome back");
    const next = await back.nextOf("messageCreated");
    t.is(next.offset, start + BigInt(TOTAL) + 1n);
    t.is(createdText(next), "welcome back");
  },
);

function never(): never {
  throw new Error("missing test setup");
}

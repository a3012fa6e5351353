import type { Redis } from "ioredis";
import { decodeBusFrame, encodeBusFrame } from "../redis/bus-frame.js";
import { createRedisClient } from "../redis/create-redis-client.js";
import { errorMessage } from "../redis/outage-reporter.js";
import type { Logger } from "../telemetry/logger.js";
import { markDeliveryFailed, withConsumerSpan, withProducerSpan } from "./consumer-span.js";
import type { PubSub } from "./pubsub.js";

type Handler = (payload: Uint8Array) => void;

/** Where a {@link RedisPubSub} connects and how it names its channels. */
export interface RedisPubSubOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** Logs Redis outages (once each) and handlers that throw. */
  readonly logger?: Logger;
  /**
   * Prepended to every topic to make the Redis channel name (default `"parley:"`), so several
   * deployments or test runs can share one Redis without hearing each other.
   */
  readonly keyPrefix?: string;
  /**
   * Names the two connections in `CLIENT LIST` and in logs (`<name>-pub`, `<name>-sub`);
   * default `"parley-bus"`.
   */
  readonly connectionName?: string;
}

/** One topic's local subscribers, and the SUBSCRIBE that made Redis send it to us. */
interface TopicState {
  /** One entry object per subscribe() call, so the same function may subscribe twice. */
  readonly entries: Set<{ readonly handler: Handler }>;
  subscribed: Promise<void>;
}

const CLOSE_TIMEOUT_MS = 1000;

/**
 * The {@link PubSub} of the mesh mode: Redis pub/sub fans a message out to every instance.
 *
 * Two connections, because a connection that has subscribed can no longer publish. Both fail
 * fast (see `createRedisClient`): `publish` never queues while Redis is away, it rejects at once,
 * so a caller such as messaging's Send, whose message is already durable, never waits on Redis.
 * Publishes have no reply timeout (a PUBLISH Redis took is delivered, however late the reply is
 * read) and are auto-pipelined. Both reconnect forever with capped backoff.
 *
 * Subscriptions are this object's own state, not ioredis's: on every (re)connection the
 * subscriber connection subscribes to every topic that has a handler, including topics
 * subscribed while Redis was down, and `connected` turns true (and listeners hear `true`) only
 * once Redis has confirmed all of them. So a subscriber that resyncs from its durable log on
 * `true` cannot miss a message published between its resync and the SUBSCRIBE.
 *
 * Each publish is encoded once (see `bus-frame.ts`: version, W3C trace carrier, payload) and
 * sent as one PUBLISH (inside a PRODUCER span `send <topic>`); Redis hands every subscribed
 * instance the same bytes. Each received message is delivered to this instance's handlers inside
 * one CONSUMER span `process <topic>`, a child of the publisher's PRODUCER span; a handler that throws (or rejects) is logged
 * and does not stop delivery to the others. `subscribe` resolves once Redis confirmed the
 * subscription, or at once while Redis is down (the subscription then starts when Redis returns,
 * announced by `onConnectionChange(true)`), so a service can start while Redis is away.
 */
export class RedisPubSub implements PubSub {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #logger: Logger | undefined;
  readonly #topics = new Map<string, TopicState>();
  readonly #listeners = new Set<(connected: boolean) => void>();
  #publisherReady = false;
  #subscriberReady = false;
  /** Bumped on every subscriber (dis)connection, so a stale resubscribe cannot report ready. */
  #subscriberEpoch = 0;
  #connected = false;
  #closed = false;

  constructor(options: RedisPubSubOptions) {
    this.#prefix = options.keyPrefix ?? "parley:";
    this.#logger = options.logger;
    const name = options.connectionName ?? "parley-bus";
    this.#publisher = createRedisClient(options.url, {
      logger: options.logger,
      name: `${name}-pub`,
      // A PUBLISH Redis accepted is done, however late its reply is read (an event loop seconds
      // behind must not turn delivered messages into failures and re-announcements); a dead
      // connection still fails them (keep-alive, close). The publishes of one turn of the event
      // loop leave as one write.
      commandTimeoutMs: null,
      overrides: { enableAutoPipelining: true },
    });
    this.#subscriber = createRedisClient(options.url, {
      logger: options.logger,
      name: `${name}-sub`,
      // We resubscribe ourselves on "ready" (see the class comment).
      overrides: { autoResubscribe: false },
    });

    this.#publisher.on("ready", () => {
      this.#publisherReady = true;
      this.#updateConnected();
    });
    this.#publisher.on("close", () => {
      this.#publisherReady = false;
      this.#updateConnected();
    });
    this.#subscriber.on("ready", () => this.#resubscribe());
    this.#subscriber.on("close", () => {
      this.#subscriberEpoch++;
      this.#subscriberReady = false;
      this.#updateConnected();
    });
    this.#subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) =>
      this.#deliver(channel, message),
    );
  }

  get connected(): boolean {
    return this.#connected;
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error("the bus is closed");
    const message = { system: "redis", topic, bodySize: payload.byteLength };
    await withProducerSpan(message, async (carrier) => {
      const frame = encodeBusFrame(carrier, payload);
      try {
        await this.#publisher.publish(this.#prefix + topic, frame);
      } catch (err) {
        throw new Error(`bus publish on "${topic}" failed: ${errorMessage(err)}`, { cause: err });
      }
    });
  }

  async subscribe(topic: string, handler: Handler): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error("the bus is closed");
    const entry = { handler };
    let state = this.#topics.get(topic);
    if (!state) {
      state = { entries: new Set(), subscribed: Promise.resolve() };
      this.#topics.set(topic, state);
      state.subscribed = this.#sendSubscribe(topic);
    }
    state.entries.add(entry);
    await state.subscribed;

    const owner = state;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      owner.entries.delete(entry);
      if (owner.entries.size > 0 || this.#topics.get(topic) !== owner) return;
      this.#topics.delete(topic);
      if (this.#closed || this.#subscriber.status !== "ready") return;
      // A failure means the connection dropped; the next one will not subscribe this topic.
      await this.#subscriber.unsubscribe(this.#prefix + topic).catch(() => {});
    };
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    this.#listeners.clear();
    this.#topics.clear();
    await Promise.all([quitQuietly(this.#publisher), quitQuietly(this.#subscriber)]);
  }

  /**
   * Subscribes a new topic now if connected; otherwise the next `ready` will. Never rejects: a
   * failure means the connection dropped, and the reconnection resubscribes.
   */
  async #sendSubscribe(topic: string): Promise<void> {
    if (this.#subscriber.status !== "ready") return;
    try {
      await this.#subscriber.subscribe(this.#prefix + topic);
    } catch (err) {
      this.#logger?.debug({ topic, reason: errorMessage(err) }, "bus subscribe deferred");
    }
  }

  /** On every subscriber connection: subscribe all topics, then report connected. */
  #resubscribe(): void {
    const epoch = ++this.#subscriberEpoch;
    const channels = [...this.#topics.keys()].map((topic) => this.#prefix + topic);
    const confirmed =
      channels.length > 0 ? this.#subscriber.subscribe(...channels) : Promise.resolve();
    confirmed.then(
      () => {
        if (epoch !== this.#subscriberEpoch || this.#closed) return;
        this.#subscriberReady = true;
        this.#updateConnected();
      },
      (err: unknown) => {
        if (epoch !== this.#subscriberEpoch || this.#closed) return;
        // Connected but Redis did not confirm in time: start over on a fresh connection.
        this.#logger?.warn({ reason: errorMessage(err) }, "bus resubscribe failed; reconnecting");
        this.#subscriber.disconnect(true);
      },
    );
  }

  #updateConnected(): void {
    const connected = !this.#closed && this.#publisherReady && this.#subscriberReady;
    if (connected === this.#connected) return;
    this.#connected = connected;
    for (const listener of [...this.#listeners]) {
      try {
        listener(connected);
      } catch (err) {
        this.#logger?.error({ err }, "bus connection listener failed");
      }
    }
  }

  #deliver(channelBytes: Buffer, message: Buffer): void {
    const channel = channelBytes.toString();
    if (!channel.startsWith(this.#prefix)) return;
    const topic = channel.slice(this.#prefix.length);
    const state = this.#topics.get(topic);
    if (!state || state.entries.size === 0) return;

    let frame: ReturnType<typeof decodeBusFrame>;
    try {
      frame = decodeBusFrame(message);
    } catch (err) {
      this.#logger?.warn({ topic, reason: errorMessage(err) }, "dropped an unreadable bus message");
      return;
    }
    const { carrier, payload } = frame;
    withConsumerSpan({ system: "redis", topic, bodySize: payload.byteLength, carrier }, () => {
      this.#logger?.debug({ topic, bytes: payload.byteLength }, "bus message received");
      for (const entry of [...state.entries]) {
        // A handler may unsubscribe another one during this delivery.
        if (!state.entries.has(entry)) continue;
        try {
          const result: unknown = entry.handler(payload);
          if (isPromiseLike(result)) {
            result.then(undefined, (err: unknown) => this.#handlerFailed(topic, err));
          }
        } catch (err) {
          this.#handlerFailed(topic, err);
        }
      }
    });
  }

  #handlerFailed(topic: string, err: unknown): void {
    markDeliveryFailed(err);
    this.#logger?.error({ err, topic }, "bus subscriber failed");
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** QUIT when connected (bounded), then drop the connection and stop reconnecting, come what may. */
async function quitQuietly(client: Redis): Promise<void> {
  if (client.status === "ready") {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.quit().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
  client.disconnect();
}

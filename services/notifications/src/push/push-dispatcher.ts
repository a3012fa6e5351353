import {
  PUSH_CLAIM_BATCH,
  PUSH_CONCURRENCY,
  PUSH_RECORD_SIZE,
  PUSH_RETRY_BASE_MS,
  PUSH_RETRY_MAX_MS,
} from "../limits.js";
import type { Clock, Logger, PushDelivery, PushOutbox, PushTransport } from "../ports.js";
import { pushPayload } from "./push-payload.js";
import type { VapidSigner } from "./vapid.js";
import { encryptPushPayload, InvalidPushKeysError } from "./web-push-encryption.js";

export interface PushDispatcherOptions {
  readonly outbox: PushOutbox;
  readonly transport: PushTransport;
  readonly vapid: VapidSigner;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The `TTL` header: how long the push service keeps a message for an offline browser. */
  readonly ttlSeconds: number;
  readonly requestTimeoutMs: number;
  /** How often the outbox is checked for due deliveries besides {@link PushDispatcher.kick}. */
  readonly pollIntervalMs: number;
  /** Attempts per delivery before it is given up. */
  readonly maxAttempts: number;
}

/** What happened to one delivery (for tests and logs). */
export type DeliveryOutcome = "sent" | "gone" | "retry" | "dropped" | "skipped";

/**
 * Sends the Web Push outbox (RFC 8030 §5): claims due deliveries with a lease, encrypts each
 * notification for its subscription (RFC 8291), signs with the VAPID key (RFC 8292) and posts
 * it to the push service, a few at a time.
 *
 * - 2xx: sent. 404/410: the subscription is gone and is removed (with its other deliveries).
 * - Network failures, timeouts, 429 and 5xx: tried again with exponential backoff (honouring
 *   `Retry-After`), up to `maxAttempts`, never past the delivery's expiry.
 * - Other answers (400, 401/403 for a VAPID problem, 413): dropped and logged; retrying would
 *   not help.
 * - A notification already read by the time its turn comes is not pushed at all.
 *
 * Delivery is at least once per subscription: a crash after the push service accepted a message
 * but before the outbox row was removed sends it again when the lease runs out. Push services
 * and browsers treat that as a second message; payloads carry the notification id so a service
 * worker can skip what it has shown already.
 */
export class PushDispatcher {
  readonly #options: PushDispatcherOptions;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: PushDispatcherOptions) {
    this.#options = options;
    this.#leaseMs = Math.max(60_000, 3 * options.requestTimeoutMs);
  }

  /** Starts polling the outbox (the timer never keeps the process alive). */
  start(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.kick(), this.#options.pollIntervalMs);
    this.#timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now (after Notify queued some). Resolves when that pass is done. */
  kick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops polling and waits for the deliveries in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Sends one delivery; exposed for tests, which call it with deliveries they built. */
  async deliver(delivery: PushDelivery): Promise<DeliveryOutcome> {
    const { outbox, transport, vapid, clock, logger } = this.#options;
    const { notification, subscription } = delivery;
    const fields = {
      deliveryId: delivery.id,
      notificationId: notification.id,
      subscriptionId: subscription.id,
    };
    const now = clock.now();
    if (notification.readAt !== null) {
      await outbox.complete(delivery.id);
      return "skipped";
    }
    if (subscription.expiresAt !== null && subscription.expiresAt <= now) {
      await outbox.removeSubscription(subscription.id);
      return "gone";
    }
    let body: Buffer;
    try {
      body = encryptPushPayload(pushPayload(notification), subscription, PUSH_RECORD_SIZE);
    } catch (err) {
      if (!(err instanceof InvalidPushKeysError)) throw err;
      logger.warn({ ...fields, err }, "push subscription has unusable keys; removed");
      await outbox.removeSubscription(subscription.id);
      return "gone";
    }
    const ttl = Math.max(
      0,
      Math.min(this.#options.ttlSeconds, Math.floor((delivery.expiresAt - now) / 1000)),
    );
    let status: number;
    let retryAfterSeconds: number | undefined;
    try {
      ({ status, retryAfterSeconds } = await transport.send({
        endpoint: subscription.endpoint,
        headers: {
          authorization: vapid.authorization(subscription.endpoint, now),
          "content-encoding": "aes128gcm",
          "content-type": "application/octet-stream",
          ttl: String(ttl),
          urgency:
            notification.kind === "mention" || notification.kind === "direct_message"
              ? "high"
              : "normal",
        },
        body,
        timeoutMs: this.#options.requestTimeoutMs,
      }));
    } catch (err) {
      return this.#retryOrDrop(delivery, undefined, { ...fields, err });
    }
    if (status >= 200 && status < 300) {
      await outbox.complete(delivery.id);
      logger.debug(fields, "web push sent");
      return "sent";
    }
    if (status === 404 || status === 410) {
      await outbox.removeSubscription(subscription.id);
      logger.info({ ...fields, status }, "push subscription gone; removed");
      return "gone";
    }
    if (status === 429 || status >= 500) {
      return this.#retryOrDrop(delivery, retryAfterSeconds, { ...fields, status });
    }
    await outbox.complete(delivery.id);
    logger.warn({ ...fields, status }, "push service refused the message; dropped");
    return "dropped";
  }

  async #drain(): Promise<void> {
    const { outbox, clock, logger } = this.#options;
    try {
      do {
        this.#again = false;
        for (;;) {
          if (this.#closed) return;
          const batch = await outbox.claim(clock.now(), PUSH_CLAIM_BATCH, this.#leaseMs);
          if (batch.length === 0) break;
          await inPool(batch, PUSH_CONCURRENCY, async (delivery) => {
            try {
              await this.deliver(delivery);
            } catch (err) {
              // The lease runs out and another pass tries again.
              logger.error({ err, deliveryId: delivery.id }, "web push delivery failed");
            }
          });
          if (batch.length < PUSH_CLAIM_BATCH) break;
        }
      } while (this.#again);
    } catch (err) {
      logger.error({ err }, "web push outbox could not be read");
    }
  }

  async #retryOrDrop(
    delivery: PushDelivery,
    retryAfterSeconds: number | undefined,
    fields: object,
  ): Promise<DeliveryOutcome> {
    const { outbox, clock, logger, maxAttempts } = this.#options;
    const attempt = delivery.attempts + 1;
    const backoff = Math.min(PUSH_RETRY_MAX_MS, PUSH_RETRY_BASE_MS * 2 ** (attempt - 1));
    const wait = Math.max(backoff * (0.5 + Math.random() / 2), (retryAfterSeconds ?? 0) * 1000);
    const at = clock.now() + Math.round(wait);
    if (attempt >= maxAttempts || at >= delivery.expiresAt) {
      await outbox.complete(delivery.id);
      logger.warn({ ...fields, attempts: attempt }, "web push given up");
      return "dropped";
    }
    await outbox.retry(delivery.id, at);
    logger.debug(
      { ...fields, attempts: attempt, retryInMs: at - clock.now() },
      "web push will be retried",
    );
    return "retry";
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

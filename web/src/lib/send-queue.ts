import { Code, ConnectError } from "@connectrpc/connect";
import type { Message } from "@parley/gen/parley/messaging/v1/message_pb.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { describeError, isRetryable, retryAfterMs } from "./errors.js";
import type { KeptMessage, PendingStore } from "./pending-store.js";
import { realTimers, type Timers } from "./timers.js";

/**
 * `sending`: on its way. `waiting`: the last try failed for a passing reason (network, server,
 * rate limit) and it will be tried again by itself. `failed`: the server refused it for good
 * (the channel was archived, the text breaks a rule…); the person may retry or discard it.
 */
export type PendingState = "sending" | "waiting" | "failed";

/** A message the person sent that the server has not confirmed yet, shown in the timeline. */
export interface PendingMessage {
  /** The idempotency key: made once, reused on every retry, so a retry never duplicates. */
  readonly key: string;
  readonly channelId: string;
  /** Empty for top-level messages. */
  readonly threadRootId: string;
  readonly text: string;
  /** Epoch ms, for ordering. */
  readonly createdAt: number;
  readonly state: PendingState;
  /** Tries so far. */
  readonly attempts: number;
  /** Why the last try failed, in words. */
  readonly error?: string;
}

export interface SendRequest {
  readonly channelId: string;
  readonly text: string;
  readonly threadRootId: string;
  readonly idempotencyKey: string;
}

export interface SendQueueDeps {
  /** MessagingService.SendMessage. */
  send(request: SendRequest): Promise<Message>;
  /** The server stored it: put the real message where the pending one was. */
  onSent(message: Message): void;
  /** navigator.onLine in the app: offline, nothing is tried until {@link SendQueue.online}. */
  isOnline(): boolean;
  newKey(): string;
  /** Keeps the pending messages across reloads (see {@link SendQueue.restore}); none: memory only. */
  readonly store?: PendingStore;
  readonly timers?: Timers;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly backoff?: BackoffPolicy;
}

interface Lane {
  /** Keys waiting to be sent, oldest first; the head is the one being tried. */
  readonly queue: string[];
  busy: boolean;
  timer: unknown;
}

const EMPTY: readonly PendingMessage[] = Object.freeze([]);

/**
 * How long a kept message may be sent again by itself: the server remembers idempotency keys for
 * at least 24 hours (messaging_service.proto), and this leaves an hour to spare.
 */
export const RESEND_WINDOW_MS = 23 * 60 * 60_000;
const TOO_OLD = "It waited more than a day, so it may already be in the conversation.";

/**
 * Optimistic sending. A message shows at once as pending, then is sent with a fresh idempotency
 * key; passing failures are retried with backoff (and after the browser comes back online) under
 * the same key, so the server stores it once however many tries it takes. Messages of one
 * conversation (channel or thread) go out one at a time, in the order they were written.
 * A message leaves the queue when SendMessage answers or when its `message_created` event
 * arrives first ({@link confirm}), whichever comes first. With a store, the queue keeps what it
 * holds there until then, and {@link restore} takes it back after a reload.
 */
export class SendQueue {
  readonly #deps: SendQueueDeps;
  readonly #timers: Timers;
  readonly #items = new Map<string, PendingMessage>();
  readonly #lanes = new Map<string, Lane>();
  readonly #listeners = new Set<() => void>();
  #snapshots = new Map<string, readonly PendingMessage[]>();
  #stopped = false;

  constructor(deps: SendQueueDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? realTimers;
  }

  /** Shows `text` as pending in the conversation and starts sending it. */
  enqueue(channelId: string, text: string, threadRootId = ""): PendingMessage {
    const item: PendingMessage = {
      key: this.#deps.newKey(),
      channelId,
      threadRootId,
      text,
      createdAt: this.#deps.now?.() ?? Date.now(),
      state: "sending",
      attempts: 0,
    };
    this.#items.set(item.key, item);
    this.#keep(item);
    this.#lane(item).queue.push(item.key);
    this.#changed();
    this.#pump(laneKey(item));
    return item;
  }

  /**
   * Takes back what the store kept (sent before a reload, or before this person last left this
   * browser) and sends the pending messages again, oldest first in each conversation, each under
   * the key it was first sent with: one the server already stored is answered with the original,
   * not stored twice. Failed ones stay failed. One older than {@link RESEND_WINDOW_MS} becomes
   * failed: the server may have forgotten its key, so the person decides (Retry or Discard).
   */
  restore(): void {
    const now = this.#deps.now?.() ?? Date.now();
    const kept = [...(this.#deps.store?.load() ?? [])].sort((a, b) => a.createdAt - b.createdAt);
    const lanes = new Set<string>();
    for (const message of kept) {
      if (this.#items.has(message.key)) continue;
      const error =
        message.failed ?? (now - message.createdAt > RESEND_WINDOW_MS ? TOO_OLD : undefined);
      const item: PendingMessage = {
        key: message.key,
        channelId: message.channelId,
        threadRootId: message.threadRootId,
        text: message.text,
        createdAt: message.createdAt,
        state: error === undefined ? "sending" : "failed",
        attempts: 0,
        error,
      };
      this.#items.set(item.key, item);
      if (error !== undefined) continue;
      this.#lane(item).queue.push(item.key);
      lanes.add(laneKey(item));
    }
    if (kept.length === 0) return;
    this.#changed();
    for (const lane of lanes) this.#pump(lane);
  }

  /** The server has the message with this idempotency key (seen on the stream). */
  confirm(key: string): void {
    // Also when this queue does not hold it: another tab of this person may have kept it.
    this.#deps.store?.remove(key);
    const item = this.#items.get(key);
    if (!item) return;
    this.#items.delete(key);
    const lane = this.#lanes.get(laneKey(item));
    if (lane) {
      const at = lane.queue.indexOf(key);
      if (at === 0 && !lane.busy) {
        // It was waiting for a retry: no need any more.
        if (lane.timer !== undefined) this.#timers.clearTimeout(lane.timer);
        lane.timer = undefined;
      }
      if (at >= 0 && !(at === 0 && lane.busy)) lane.queue.splice(at, 1);
    }
    this.#changed();
    this.#pump(laneKey(item));
  }

  /** Tries a failed message again, with the same key. */
  retry(key: string): void {
    const item = this.#items.get(key);
    if (!item || item.state !== "failed") return;
    const next: PendingMessage = { ...item, state: "sending", error: undefined };
    this.#items.set(key, next);
    this.#keep(next);
    this.#lane(item).queue.push(key);
    this.#changed();
    this.#pump(laneKey(item));
  }

  /** Forgets a failed message. */
  discard(key: string): void {
    const item = this.#items.get(key);
    if (!item || item.state !== "failed") return;
    this.#items.delete(key);
    this.#deps.store?.remove(key);
    this.#changed();
  }

  /** The browser is online again: try waiting messages now. */
  online(): void {
    for (const [key, lane] of this.#lanes) {
      if (lane.busy) continue;
      if (lane.timer !== undefined) this.#timers.clearTimeout(lane.timer);
      lane.timer = undefined;
      this.#pump(key);
    }
  }

  /**
   * Signing out: stop trying and forget everything in memory. The store keeps this person's
   * pending messages, for their next sign-in on this browser.
   */
  stop(): void {
    this.#stopped = true;
    for (const lane of this.#lanes.values()) {
      if (lane.timer !== undefined) this.#timers.clearTimeout(lane.timer);
    }
    this.#lanes.clear();
    this.#items.clear();
    this.#changed();
  }

  /** Pending messages of one conversation, oldest first (the same array until it changes). */
  pending(channelId: string, threadRootId = ""): readonly PendingMessage[] {
    return this.#snapshots.get(`${channelId}/${threadRootId}`) ?? EMPTY;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #pump(key: string): void {
    const lane = this.#lanes.get(key);
    if (!lane || lane.busy || lane.timer !== undefined || this.#stopped) return;
    // Skip keys confirmed or discarded meanwhile.
    while (lane.queue.length > 0 && !this.#items.has(lane.queue[0] ?? "")) lane.queue.shift();
    const head = lane.queue[0];
    if (head === undefined) {
      this.#lanes.delete(key);
      return;
    }
    const item = this.#items.get(head);
    if (!item) return;
    if (!this.#deps.isOnline()) {
      this.#update(head, { state: "waiting", error: "Waiting for the connection to come back." });
      return; // online() resumes
    }
    lane.busy = true;
    this.#update(head, { state: "sending", attempts: item.attempts + 1 });
    this.#deps
      .send({
        channelId: item.channelId,
        text: item.text,
        threadRootId: item.threadRootId,
        idempotencyKey: item.key,
      })
      .then(
        (message) => {
          lane.busy = false;
          this.#deps.store?.remove(head);
          if (this.#stopped) return;
          lane.queue.shift();
          if (this.#items.delete(head)) this.#changed();
          this.#deps.onSent(message);
          this.#pump(key);
        },
        (err: unknown) => {
          lane.busy = false;
          if (this.#stopped) return;
          if (!this.#items.has(head)) {
            // Confirmed by its event while this try failed (the answer was lost).
            lane.queue.shift();
            this.#pump(key);
            return;
          }
          const { message } = describeError(err);
          // `unauthenticated`: the session is ending (the sign-in screen comes next). The message
          // stays pending, to go out after the next sign-in, rather than failed.
          if (!isRetryable(err) && ConnectError.from(err).code !== Code.Unauthenticated) {
            lane.queue.shift();
            this.#update(head, { state: "failed", error: message });
            const failed = this.#items.get(head);
            if (failed) this.#keep(failed);
            this.#pump(key);
            return;
          }
          const current = this.#items.get(head);
          const attempt = (current?.attempts ?? 1) - 1;
          const delay = Math.max(
            retryAfterMs(err) ?? 0,
            backoffDelay(attempt, this.#deps.backoff ?? DEFAULT_BACKOFF, this.#deps.random),
          );
          this.#update(head, { state: "waiting", error: message });
          lane.timer = this.#timers.setTimeout(() => {
            lane.timer = undefined;
            this.#pump(key);
          }, delay);
        },
      );
  }

  #lane(item: PendingMessage): Lane {
    const key = laneKey(item);
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { queue: [], busy: false, timer: undefined };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /** Into the store: what it takes to send it again after a reload, and whether it failed. */
  #keep(item: PendingMessage): void {
    const { key, channelId, threadRootId, text, createdAt } = item;
    const kept: KeptMessage = { key, channelId, threadRootId, text, createdAt };
    this.#deps.store?.put(item.state === "failed" ? { ...kept, failed: item.error ?? "" } : kept);
  }

  #update(key: string, change: Partial<PendingMessage>): void {
    const item = this.#items.get(key);
    if (!item) return;
    this.#items.set(key, { ...item, ...change });
    this.#changed();
  }

  #changed(): void {
    const snapshots = new Map<string, PendingMessage[]>();
    for (const item of this.#items.values()) {
      const key = laneKey(item);
      const list = snapshots.get(key) ?? [];
      list.push(item);
      snapshots.set(key, list);
    }
    for (const list of snapshots.values()) list.sort((a, b) => a.createdAt - b.createdAt);
    // Keep the old array where a conversation did not change, so its view does not re-render.
    const next = new Map<string, readonly PendingMessage[]>();
    for (const [key, list] of snapshots) {
      const old = this.#snapshots.get(key);
      next.set(key, old && sameItems(old, list) ? old : list);
    }
    this.#snapshots = next;
    for (const listener of [...this.#listeners]) listener();
  }
}

function laneKey(item: Pick<PendingMessage, "channelId" | "threadRootId">): string {
  return `${item.channelId}/${item.threadRootId}`;
}

function sameItems(a: readonly PendingMessage[], b: readonly PendingMessage[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

import { deferredTrace, withDeadline } from "@parley/mesh";
import type { BackgroundWork } from "./background-work.js";
import { planInvite, planMessageNotifications } from "./notifications.js";
import type {
  ChannelStore,
  Clock,
  Logger,
  MessageStore,
  NotificationIntent,
  NotificationOutbox,
  Notifier,
  OutgoingNotification,
  OwedNotification,
  UserDirectory,
} from "./ports.js";

/** Owed notifications one claim takes. */
const BATCH = 32;
/** How long a claim holds its notifications; past it, another instance may send them. */
export const OUTBOX_LEASE_MS = 60_000;
/** First wait after a failed try; it doubles per try, up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 10 * 60_000;
/** A notification still unsent this long after its change is dropped (and logged). */
export const OUTBOX_GIVE_UP_MS = 24 * 60 * 60_000;

export interface NotificationRelayDeps {
  readonly outbox: NotificationOutbox;
  readonly messages: MessageStore;
  readonly channels: ChannelStore;
  /** For the names in titles (the id stands in when auth does not answer). */
  readonly users: UserDirectory;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where each drain is tracked (see `Messaging.notificationsSent`). */
  readonly background: BackgroundWork;
}

/**
 * Sends what the outbox says is owed: claims it, plans the notifications from the message and
 * channel as they are now, hands them to the notifier, and forgets them once it answered. A try
 * that fails (the notifications service down, a timeout) is retried later with a growing wait,
 * by this instance or any other; after a day it is dropped and logged. Notifications carry
 * idempotency keys derived from what they are about, so a notification sent twice (an instance
 * that died after sending and before forgetting it) is stored once.
 *
 * {@link kick} drains at once (after a write that owed something); a timer drains what falls
 * due later (retries, and what an instance that died was holding).
 */
export class NotificationRelay {
  readonly #deps: NotificationRelayDeps;
  #draining: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: NotificationRelayDeps) {
    this.#deps = deps;
  }

  /** Drains what is due every `intervalMs` (the timer never keeps the process alive). */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
  }

  /** Sends what is due now, soon; calls while a drain runs make it go round once more. */
  kick(): void {
    if (this.#closed) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    const draining = this.#drain().finally(() => {
      this.#draining = undefined;
    });
    this.#draining = draining;
    this.#deps.background.add(draining);
  }

  /** Stops draining (a drain in progress finishes its round; what it holds is retried). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #drain(): Promise<void> {
    try {
      do {
        this.#again = false;
        while (!this.#closed && (await this.#round()) === BATCH) {}
      } while (this.#again && !this.#closed);
    } catch (err) {
      // The store failed (closed, or locked for too long): what was claimed is retried later.
      this.#deps.logger.warn({ err }, "notification outbox not drained");
    }
  }

  /** Claims one batch and settles it; returns how many it claimed. */
  async #round(): Promise<number> {
    const { outbox, clock } = this.#deps;
    const owed = await outbox.claim(clock.now(), BATCH, OUTBOX_LEASE_MS);
    if (owed.length === 0) return 0;
    const done: number[] = [];
    const retry: { id: number; at: number }[] = [];
    let firstError: unknown;
    await Promise.all(
      owed.map(async (item) => {
        try {
          await this.#send(item);
          done.push(item.id);
        } catch (err) {
          const now = clock.now();
          if (now - item.createdAt >= OUTBOX_GIVE_UP_MS) {
            this.#deps.logger.error(
              { err, ...describe(item), attempts: item.attempts + 1 },
              "notification dropped: still not delivered a day after its change",
            );
            done.push(item.id);
            return;
          }
          firstError ??= err;
          retry.push({ id: item.id, at: now + retryDelayMs(item.attempts) });
        }
      }),
    );
    if (retry.length > 0) {
      // One line per round, not per notification: an outage would otherwise flood the log.
      this.#deps.logger.warn(
        { err: firstError, notifications: retry.length, firstRetryAt: new Date(earliest(retry)) },
        "notifications not delivered yet: will retry",
      );
    }
    await outbox.settle(done, retry);
    return owed.length;
  }

  /**
   * Plans what `item` owes now and hands it to the notifier, in the trace of the call that owed
   * it; throws when any part failed.
   */
  async #send(item: OwedNotification): Promise<void> {
    // Sent after the call that owed it answered: no call deadline, each Notify gets the client's.
    await deferredTrace.within(item.trace, () =>
      withDeadline(undefined, async () => {
        const planned = await this.#plan(item.intent);
        await Promise.all(planned.map((notification) => this.#deps.notifier.notify(notification)));
      }),
    );
  }

  async #plan(intent: NotificationIntent): Promise<OutgoingNotification[]> {
    const { channels, messages } = this.#deps;
    const channel = await channels.getChannel(intent.channelId);
    // A channel deleted since owes nothing any more; nor does a deleted message.
    if (!channel) return [];
    if (intent.kind === "invite") {
      const invite = planInvite({
        channel,
        offset: intent.offset,
        recipients: intent.recipients,
        actorId: intent.actorId,
        actorName: await this.#nameOf(intent.actorId),
      });
      return invite ? [invite] : [];
    }
    const message = await messages.getMessage(intent.channelId, intent.messageId);
    if (!message || message.deletedAt !== null) return [];
    return planMessageNotifications({
      message,
      channel,
      authorName: await this.#nameOf(message.authorId),
      mentioned: intent.mentioned,
      threadParticipants: intent.threadParticipants,
      directParticipants: intent.directParticipants,
    });
  }

  async #nameOf(userId: string): Promise<string> {
    try {
      const found = await this.#deps.users.lookupByIds([userId]);
      return found.get(userId)?.username ?? userId;
    } catch {
      return userId;
    }
  }
}

/** The wait before try `attempts + 2`: 5 s, 10 s, 20 s, … at most 10 min. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempts, 20));
}

function earliest(retry: readonly { readonly at: number }[]): number {
  return Math.min(...retry.map((r) => r.at));
}

function describe(item: OwedNotification): Record<string, unknown> {
  const { intent } = item;
  return intent.kind === "message"
    ? {
        outboxId: item.id,
        kind: intent.kind,
        channelId: intent.channelId,
        messageId: intent.messageId,
      }
    : { outboxId: item.id, kind: intent.kind, channelId: intent.channelId };
}

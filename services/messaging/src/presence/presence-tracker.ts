import { randomUUID } from "node:crypto";
import { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import * as errors from "../errors.js";
import { decodeEvent, encodeEvent, presenceChangedEvent } from "../event-codec.js";
import { PRESENCE_TOPIC } from "../live/topics.js";
import type {
  ChosenStatus,
  Clock,
  Logger,
  PresenceRecord,
  PresenceStatusName,
  PresenceStore,
  PubSub,
} from "../ports.js";

export interface PresenceTrackerOptions {
  readonly store: PresenceStore;
  readonly pubsub: PubSub;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a connection or a SetPresence heartbeat keeps someone present (60 s). */
  readonly ttlMs: number;
  /** How often this instance refreshes its connections and looks for expired presence (20 s). */
  readonly refreshMs: number;
}

/**
 * Presence as the contract derives it: present while a Subscribe stream is open (this instance
 * refreshes its streams' connections in the shared {@link PresenceStore} every `refreshMs`, with
 * a TTL, so a crashed instance's people go offline on their own) or while a SetPresence heartbeat
 * is fresh.
 *
 * It announces changes of effective status on the bus (`presence_changed`). Every instance
 * remembers the status last announced by anyone, so when presence lapses without anyone acting
 * (a heartbeat expires, an instance dies) the next sweep on any instance notices and announces
 * "offline"; several instances may do so, which is harmless (events carry absolute state).
 *
 * Stream-driven updates fail soft (a presence outage never breaks streams); SetPresence and
 * GetPresence answer `unavailable` when the store cannot be reached.
 */
export class PresenceTracker {
  readonly #options: PresenceTrackerOptions;
  /** This instance's open connections: connection id → user id. */
  readonly #connections = new Map<string, string>();
  /** People last announced (by any instance) as present, with that status. */
  readonly #announced = new Map<string, PresenceStatusName>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(options: PresenceTrackerOptions) {
    this.#options = options;
  }

  /** Listens to other instances' announcements and starts the refresh timer (unref'd). */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#options.pubsub.subscribe(PRESENCE_TOPIC, (bytes) =>
      this.#observe(bytes),
    );
    this.#timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.#options.logger.warn({ err }, "presence refresh failed"),
      );
    }, this.#options.refreshMs);
    this.#timer.unref();
  }

  /** A stream opened: the person is present while it stays open. Returns the connection id. */
  async connected(userId: string): Promise<string> {
    const connectionId = randomUUID();
    this.#connections.set(connectionId, userId);
    const now = this.#options.clock.now();
    await this.#soft(
      () =>
        this.#options.store.touchConnection(userId, connectionId, now + this.#options.ttlMs, now),
      userId,
    );
    await this.#soft(() => this.#announceIfChanged([userId]), userId);
    return connectionId;
  }

  /** A stream closed. */
  async disconnected(userId: string, connectionId: string): Promise<void> {
    this.#connections.delete(connectionId);
    const now = this.#options.clock.now();
    await this.#soft(() => this.#options.store.dropConnection(userId, connectionId, now), userId);
    await this.#soft(() => this.#announceIfChanged([userId]), userId);
  }

  /** SetPresence: records the choice as a heartbeat and returns the effective presence. */
  async setStatus(userId: string, status: ChosenStatus): Promise<PresenceRecord> {
    const now = this.#options.clock.now();
    try {
      await this.#options.store.heartbeat(userId, status, now + this.#options.ttlMs, now);
      const [record] = await this.#announceIfChanged([userId]);
      return record ?? { userId, status, lastSeenAt: now };
    } catch (err) {
      throw errors.presenceUnavailable(err);
    }
  }

  /** GetPresence: effective presence in the order asked; unknown people are offline. */
  async get(userIds: readonly string[]): Promise<PresenceRecord[]> {
    let found: Map<string, PresenceRecord>;
    try {
      found = await this.#options.store.read(userIds, this.#options.clock.now());
    } catch (err) {
      throw errors.presenceUnavailable(err);
    }
    return userIds.map(
      (id) => found.get(id) ?? { userId: id, status: "offline", lastSeenAt: null },
    );
  }

  /**
   * Refreshes this instance's connections and announces presence that lapsed. Runs on a timer;
   * tests call it after moving their clock.
   */
  async refresh(): Promise<void> {
    const now = this.#options.clock.now();
    const expiresAt = now + this.#options.ttlMs;
    await Promise.all(
      [...this.#connections].map(([connectionId, userId]) =>
        this.#soft(
          () => this.#options.store.touchConnection(userId, connectionId, expiresAt, now),
          userId,
        ),
      ),
    );
    const watched = [...this.#announced.keys()];
    if (watched.length > 0) await this.#announceIfChanged(watched);
  }

  /** Stops the timer and the bus subscription (connections expire by TTL). Idempotent. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.();
  }

  /** Reads effective presence and announces each change against what was last announced. */
  async #announceIfChanged(userIds: readonly string[]): Promise<PresenceRecord[]> {
    const now = this.#options.clock.now();
    const found = await this.#options.store.read(userIds, now);
    const records: PresenceRecord[] = [];
    for (const userId of userIds) {
      const record = found.get(userId) ?? { userId, status: "offline", lastSeenAt: null };
      records.push(record);
      const previous = this.#announced.get(userId) ?? "offline";
      if (record.status === previous) continue;
      this.#remember(userId, record.status);
      this.#options.pubsub
        .publish(PRESENCE_TOPIC, encodeEvent(presenceChangedEvent(record, now)))
        .catch((err: unknown) =>
          this.#options.logger.warn({ err, userId }, "presence change not published"),
        );
    }
    return records;
  }

  #observe(bytes: Uint8Array): void {
    try {
      const event = decodeEvent(bytes);
      if (event.payload.case !== "presenceChanged") return;
      const presence = event.payload.value.presence;
      if (!presence) return;
      this.#remember(presence.userId, statusName(presence.status));
    } catch {
      // Malformed messages are the hub's to report.
    }
  }

  #remember(userId: string, status: PresenceStatusName): void {
    if (status === "offline") this.#announced.delete(userId);
    else this.#announced.set(userId, status);
  }

  async #soft(action: () => Promise<unknown>, userId: string): Promise<void> {
    try {
      await action();
    } catch (err) {
      this.#options.logger.warn({ err, userId }, "presence update failed; streams unaffected");
    }
  }
}

function statusName(status: PresenceStatus): PresenceStatusName {
  if (status === PresenceStatus.ONLINE) return "online";
  if (status === PresenceStatus.AWAY) return "away";
  return "offline";
}

import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type {
  PushDelivery,
  PushOutbox,
  PushRegistration,
  PushSubscriptionRecord,
  PushSubscriptionStore,
  PushTarget,
  VapidKeyPair,
  VapidKeyStore,
} from "../ports.js";
import {
  NOTIFICATION_COLUMNS,
  type NotificationRow,
  toNotification,
} from "./sqlite-inbox-store.js";

interface SubscriptionRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}

const SUBSCRIPTION_COLUMNS =
  "id, user_id, endpoint, p256dh, auth, user_agent, created_at, updated_at, expires_at";

function toSubscription(row: SubscriptionRow): PushSubscriptionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    endpoint: row.endpoint,
    p256dh: row.p256dh,
    auth: row.auth,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

/**
 * Push subscriptions, the Web Push outbox and the VAPID key on SQLite. Registration and claims
 * are `BEGIN IMMEDIATE` transactions: instances sharing the file never hand one delivery to two
 * senders within a lease, nor create one endpoint twice.
 */
export class SqlitePushStore implements PushSubscriptionStore, PushOutbox, VapidKeyStore {
  readonly #db: Database.Database;
  readonly #byEndpoint;
  readonly #byId;
  readonly #nextSeq;
  readonly #insert;
  readonly #update;
  readonly #dropDeliveries;
  readonly #trim;
  readonly #list;
  readonly #deleteById;
  readonly #deleteByEndpoint;
  readonly #due;
  readonly #lease;
  readonly #complete;
  readonly #retry;
  readonly #removeSubscription;
  readonly #vapid;
  readonly #insertVapid;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#byEndpoint = db.prepare<[string], SubscriptionRow>(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE endpoint = ?`,
    );
    this.#byId = db.prepare<[string], SubscriptionRow>(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE id = ?`,
    );
    this.#nextSeq = db.prepare<[], { seq: number }>(
      "SELECT COALESCE(MAX(registered_seq), 0) + 1 AS seq FROM push_subscriptions",
    );
    this.#insert = db.prepare<
      [string, string, string, string, string, string, number, number, number | null, number]
    >(
      `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, user_agent,
         created_at, updated_at, expires_at, registered_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#update = db.prepare<
      [string, string, string, string, number, number | null, number, string]
    >(
      `UPDATE push_subscriptions SET user_id = ?, p256dh = ?, auth = ?, user_agent = ?,
         updated_at = ?, expires_at = ?, registered_seq = ? WHERE id = ?`,
    );
    this.#dropDeliveries = db.prepare<[string]>(
      "DELETE FROM push_outbox WHERE subscription_id = ?",
    );
    this.#trim = db.prepare<[string, number]>(
      `DELETE FROM push_subscriptions WHERE id IN (
         SELECT id FROM push_subscriptions WHERE user_id = ?
         ORDER BY registered_seq DESC LIMIT -1 OFFSET ?)`,
    );
    this.#list = db.prepare<[string], SubscriptionRow>(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE user_id = ?
       ORDER BY registered_seq DESC`,
    );
    this.#deleteById = db.prepare<[string, string]>(
      "DELETE FROM push_subscriptions WHERE user_id = ? AND id = ?",
    );
    this.#deleteByEndpoint = db.prepare<[string, string]>(
      "DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?",
    );
    this.#due = db.prepare<[number, number, number, number], DueRow>(
      `SELECT o.id AS delivery_id, o.attempts, o.expires_at AS delivery_expires_at,
         ${NOTIFICATION_COLUMNS.split(", ")
           .map((column) => `n.${column} AS n_${column}`)
           .join(", ")},
         ${SUBSCRIPTION_COLUMNS.split(", ")
           .map((column) => `s.${column} AS s_${column}`)
           .join(", ")}
       FROM push_outbox o
       JOIN notifications n ON n.id = o.notification_id
       JOIN push_subscriptions s ON s.id = o.subscription_id
       WHERE o.next_attempt_at <= ? AND o.claimed_until <= ? AND o.expires_at > ?
       ORDER BY o.next_attempt_at, o.id LIMIT ?`,
    );
    this.#lease = db.prepare<[number, number]>(
      "UPDATE push_outbox SET claimed_until = ? WHERE id = ?",
    );
    this.#complete = db.prepare<[number]>("DELETE FROM push_outbox WHERE id = ?");
    this.#retry = db.prepare<[number, number]>(
      `UPDATE push_outbox SET attempts = attempts + 1, next_attempt_at = ?, claimed_until = 0
       WHERE id = ?`,
    );
    this.#removeSubscription = db.prepare<[string]>("DELETE FROM push_subscriptions WHERE id = ?");
    this.#vapid = db.prepare<[], { public_key: string; private_key: string }>(
      "SELECT public_key, private_key FROM vapid_keys WHERE id = 1",
    );
    this.#insertVapid = db.prepare<[string, string, number]>(
      `INSERT INTO vapid_keys (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    );
  }

  // ---- Subscriptions ----

  async register(
    userId: string,
    registration: PushRegistration,
    now: number,
    maxPerUser: number,
  ): Promise<PushSubscriptionRecord> {
    return this.#db
      .transaction((): PushSubscriptionRecord => {
        const seq = this.#nextSeq.get()?.seq ?? 1;
        const existing = this.#byEndpoint.get(registration.endpoint);
        let id: string;
        if (existing) {
          id = existing.id;
          // Deliveries still queued belong to the previous keys or the previous account.
          if (existing.user_id !== userId) this.#dropDeliveries.run(id);
          this.#update.run(
            userId,
            registration.p256dh,
            registration.auth,
            registration.userAgent,
            now,
            registration.expiresAt,
            seq,
            id,
          );
        } else {
          id = randomUUID();
          this.#insert.run(
            id,
            userId,
            registration.endpoint,
            registration.p256dh,
            registration.auth,
            registration.userAgent,
            now,
            now,
            registration.expiresAt,
            seq,
          );
        }
        this.#trim.run(userId, maxPerUser);
        const row = this.#byId.get(id);
        if (!row) throw new Error("registered push subscription vanished");
        return toSubscription(row);
      })
      .immediate();
  }

  async unregister(userId: string, target: PushTarget): Promise<boolean> {
    const result =
      "id" in target
        ? this.#deleteById.run(userId, target.id)
        : this.#deleteByEndpoint.run(userId, target.endpoint);
    return result.changes > 0;
  }

  async list(userId: string): Promise<PushSubscriptionRecord[]> {
    return this.#list.all(userId).map(toSubscription);
  }

  // ---- Outbox ----

  async claim(now: number, limit: number, leaseMs: number): Promise<PushDelivery[]> {
    return this.#db
      .transaction((): PushDelivery[] => {
        const rows = this.#due.all(now, now, now, limit);
        for (const row of rows) this.#lease.run(now + leaseMs, row.delivery_id);
        return rows.map(toDelivery);
      })
      .immediate();
  }

  async complete(deliveryId: number): Promise<void> {
    this.#complete.run(deliveryId);
  }

  async retry(deliveryId: number, at: number): Promise<void> {
    this.#retry.run(at, deliveryId);
  }

  async removeSubscription(subscriptionId: string): Promise<void> {
    this.#removeSubscription.run(subscriptionId);
  }

  // ---- VAPID ----

  async getOrCreate(create: () => VapidKeyPair): Promise<VapidKeyPair> {
    const stored = this.#vapid.get();
    if (stored) return { publicKey: stored.public_key, privateKeyPem: stored.private_key };
    const made = create();
    this.#insertVapid.run(made.publicKey, made.privateKeyPem, Date.now());
    // Another instance may have stored its key first: everyone uses the stored one.
    const winner = this.#vapid.get();
    if (!winner) throw new Error("the VAPID key could not be stored");
    return { publicKey: winner.public_key, privateKeyPem: winner.private_key };
  }
}

type DueRow = {
  delivery_id: number;
  attempts: number;
  delivery_expires_at: number;
} & { [K in keyof NotificationRow as `n_${K}`]: NotificationRow[K] } & {
  [K in keyof SubscriptionRow as `s_${K}`]: SubscriptionRow[K];
};

function toDelivery(row: DueRow): PushDelivery {
  return {
    id: row.delivery_id,
    attempts: row.attempts,
    expiresAt: row.delivery_expires_at,
    notification: toNotification({
      id: row.n_id,
      user_id: row.n_user_id,
      kind: row.n_kind,
      title: row.n_title,
      body: row.n_body,
      channel_id: row.n_channel_id,
      message_id: row.n_message_id,
      thread_root_id: row.n_thread_root_id,
      actor_user_id: row.n_actor_user_id,
      link: row.n_link,
      created_at: row.n_created_at,
      read_at: row.n_read_at,
    }),
    subscription: toSubscription({
      id: row.s_id,
      user_id: row.s_user_id,
      endpoint: row.s_endpoint,
      p256dh: row.s_p256dh,
      auth: row.s_auth,
      user_agent: row.s_user_agent,
      created_at: row.s_created_at,
      updated_at: row.s_updated_at,
      expires_at: row.s_expires_at,
    }),
  };
}

import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type {
  InboxQuery,
  InboxStore,
  MarkReadResult,
  NotificationKindName,
  NotificationRecord,
  NotifyWrite,
  PruneResult,
  ReadSelector,
  RecipientResult,
} from "../ports.js";

/** A `notifications` row. */
export interface NotificationRow {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  channel_id: string;
  message_id: string;
  thread_root_id: string;
  actor_user_id: string;
  link: string;
  created_at: number;
  read_at: number | null;
}

export const NOTIFICATION_COLUMNS =
  "id, user_id, kind, title, body, channel_id, message_id, thread_root_id, actor_user_id, link, created_at, read_at";

export function toNotification(row: NotificationRow): NotificationRecord {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as NotificationKindName,
    title: row.title,
    body: row.body,
    channelId: row.channel_id,
    messageId: row.message_id,
    threadRootId: row.thread_root_id,
    actorUserId: row.actor_user_id,
    link: row.link,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

/** Rows deleted per statement while pruning, so no single write holds the lock for long. */
const PRUNE_BATCH = 1000;

/**
 * {@link InboxStore} on SQLite. Each write is one `BEGIN IMMEDIATE` transaction (instances sharing
 * the file serialize on the write lock, so a key is never claimed twice); counts are computed
 * inside the same transaction as the write they follow.
 */
export class SqliteInboxStore implements InboxStore {
  readonly #db: Database.Database;
  readonly #selectKey;
  readonly #insertKey;
  readonly #insertNotification;
  readonly #queuePush;
  readonly #unread;
  readonly #listStatements = new Map<string, Database.Statement<unknown[], NotificationRow>>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#selectKey = db.prepare<[string, string, string], { notification_id: string | null }>(
      "SELECT notification_id FROM notify_keys WHERE caller = ? AND key = ? AND user_id = ?",
    );
    this.#insertKey = db.prepare<[string, string, string, string | null, number]>(
      `INSERT INTO notify_keys (caller, key, user_id, notification_id, created_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.#insertNotification = db.prepare<
      [string, string, string, string, string, string, string, string, string, string, number]
    >(
      `INSERT INTO notifications (id, user_id, kind, title, body, channel_id, message_id,
         thread_root_id, actor_user_id, link, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // One delivery per live subscription of the recipient.
    this.#queuePush = db.prepare<[string, number, number, string, number]>(
      `INSERT INTO push_outbox (notification_id, subscription_id, next_attempt_at, expires_at)
       SELECT ?, id, ?, ? FROM push_subscriptions
       WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.#unread = db.prepare<[string], { n: number }>(
      "SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL",
    );
  }

  async record(write: NotifyWrite): Promise<RecipientResult[]> {
    const { caller, key, content, now } = write;
    return this.#db
      .transaction((): RecipientResult[] => {
        const results: RecipientResult[] = [];
        for (const plan of write.recipients) {
          const userId = plan.userId;
          const used = this.#selectKey.get(caller, key, userId);
          if (used) {
            results.push({
              userId,
              outcome: "duplicate",
              notificationId: used.notification_id ?? "",
            });
            continue;
          }
          if (!plan.create) {
            this.#insertKey.run(caller, key, userId, null, now);
            results.push({ userId, outcome: "suppressed" });
            continue;
          }
          const id = randomUUID();
          this.#insertNotification.run(
            id,
            userId,
            content.kind,
            content.title,
            content.body,
            content.channelId,
            content.messageId,
            content.threadRootId,
            content.actorUserId,
            content.link,
            now,
          );
          this.#insertKey.run(caller, key, userId, id, now);
          const pushQueued = plan.push
            ? this.#queuePush.run(id, now, write.pushExpiresAt, userId, now).changes
            : 0;
          results.push({
            userId,
            outcome: "created",
            notification: { ...content, id, userId, createdAt: now, readAt: null },
            unreadCount: this.#unread.get(userId)?.n ?? 0,
            pushQueued,
          });
        }
        return results;
      })
      .immediate();
  }

  async list(query: InboxQuery): Promise<NotificationRecord[]> {
    const kinds = [...new Set(query.kinds)];
    const shape = `${query.unreadOnly ? "u" : ""}${kinds.length}${query.after ? "a" : ""}`;
    let statement = this.#listStatements.get(shape);
    if (!statement) {
      const where = ["user_id = ?"];
      if (query.unreadOnly) where.push("read_at IS NULL");
      if (kinds.length > 0) where.push(`kind IN (${kinds.map(() => "?").join(", ")})`);
      if (query.after) where.push("(created_at < ? OR (created_at = ? AND id < ?))");
      statement = this.#db.prepare<unknown[], NotificationRow>(
        `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE ${where.join(" AND ")}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      );
      this.#listStatements.set(shape, statement);
    }
    const params: unknown[] = [query.userId, ...kinds];
    if (query.after) params.push(query.after.createdAt, query.after.createdAt, query.after.id);
    params.push(query.limit);
    return statement.all(...params).map(toNotification);
  }

  async markRead(userId: string, selector: ReadSelector, now: number): Promise<MarkReadResult> {
    return this.#db
      .transaction((): MarkReadResult => {
        let markedIds: string[] = [];
        let marked: number;
        switch (selector.kind) {
          case "ids": {
            if (selector.ids.length === 0) {
              marked = 0;
              break;
            }
            const rows = this.#db
              .prepare<unknown[], { id: string }>(
                `UPDATE notifications SET read_at = ?
                 WHERE user_id = ? AND read_at IS NULL
                   AND id IN (${selector.ids.map(() => "?").join(", ")})
                 RETURNING id`,
              )
              .all(now, userId, ...selector.ids);
            // In the order the caller named them.
            const changed = new Set(rows.map((row) => row.id));
            markedIds = selector.ids.filter((id) => changed.delete(id));
            marked = markedIds.length;
            break;
          }
          case "up_to":
            marked = this.#markWhere(userId, now, "created_at <= ?", [selector.upTo]);
            break;
          case "all":
            marked = this.#markWhere(userId, now, "1 = 1", []);
            break;
          case "channel":
            marked = this.#markWhere(userId, now, "channel_id = ?", [selector.channelId]);
            break;
        }
        return { marked, markedIds, unreadCount: this.#unread.get(userId)?.n ?? 0 };
      })
      .immediate();
  }

  async unreadCount(userId: string): Promise<number> {
    return this.#unread.get(userId)?.n ?? 0;
  }

  async prune(cutoffs: {
    readBefore: number;
    allBefore: number;
    keysBefore: number;
    now: number;
  }): Promise<PruneResult> {
    const notifications =
      this.#deleteInBatches(
        `DELETE FROM notifications WHERE rowid IN (SELECT rowid FROM notifications
           WHERE read_at IS NOT NULL AND read_at < ? LIMIT ?)`,
        cutoffs.readBefore,
      ) +
      this.#deleteInBatches(
        `DELETE FROM notifications WHERE rowid IN (SELECT rowid FROM notifications
           WHERE created_at < ? LIMIT ?)`,
        cutoffs.allBefore,
      );
    const keys = this.#deleteInBatches(
      `DELETE FROM notify_keys WHERE (caller, key, user_id) IN (SELECT caller, key, user_id
         FROM notify_keys WHERE created_at < ? LIMIT ?)`,
      cutoffs.keysBefore,
    );
    const subscriptions = this.#deleteInBatches(
      `DELETE FROM push_subscriptions WHERE rowid IN (SELECT rowid FROM push_subscriptions
         WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`,
      cutoffs.now,
    );
    this.#deleteInBatches(
      `DELETE FROM push_outbox WHERE id IN (SELECT id FROM push_outbox
         WHERE expires_at <= ? LIMIT ?)`,
      cutoffs.now,
    );
    this.#deleteInBatches(
      `DELETE FROM channel_mutes WHERE (user_id, channel_id) IN (SELECT user_id, channel_id
         FROM channel_mutes WHERE until IS NOT NULL AND until <= ? LIMIT ?)`,
      cutoffs.now,
    );
    return { notifications, keys, subscriptions };
  }

  /** Marks the person's unread notifications matching `condition`; returns how many. */
  #markWhere(userId: string, now: number, condition: string, params: unknown[]): number {
    return this.#db
      .prepare<unknown[]>(
        `UPDATE notifications SET read_at = ?
         WHERE user_id = ? AND read_at IS NULL AND ${condition}`,
      )
      .run(now, userId, ...params).changes;
  }

  /** Runs a `DELETE ... (cutoff, batch size)` statement until it deletes less than a batch. */
  #deleteInBatches(sql: string, cutoff: number): number {
    const statement = this.#db.prepare<[number, number]>(sql);
    let total = 0;
    for (;;) {
      const { changes } = this.#db
        .transaction(() => statement.run(cutoff, PRUNE_BATCH))
        .immediate();
      total += changes;
      if (changes < PRUNE_BATCH) return total;
    }
  }
}

import type { TraceCarrier } from "@parley/mesh";
import type { NotificationIntent, NotificationOutbox, OwedNotification } from "../ports.js";
import type { SqliteShared } from "./sqlite-common.js";

interface OutboxRow {
  id: number;
  intent: string;
  trace: string;
  attempts: number;
  created_at: number;
}

/**
 * {@link NotificationOutbox} on messaging's SQLite database. Rows are written by the stores'
 * writes ({@link SqliteShared.owe}); claiming and settling are writes of their own, so two
 * instances never hold the same row at once.
 */
export class SqliteNotificationOutbox implements NotificationOutbox {
  private readonly stmts;

  constructor(private readonly shared: SqliteShared) {
    const db = shared.db;
    this.stmts = {
      anyDue: db.prepare<[number, number], { found: number }>(
        `SELECT 1 AS found FROM notification_outbox
         WHERE next_attempt_at <= ? AND claimed_until <= ? LIMIT 1`,
      ),
      claim: db.prepare<[number, number, number, number], OutboxRow>(
        `UPDATE notification_outbox SET claimed_until = ?
         WHERE id IN (SELECT id FROM notification_outbox
                      WHERE next_attempt_at <= ? AND claimed_until <= ? ORDER BY id LIMIT ?)
         RETURNING id, intent, trace, attempts, created_at`,
      ),
      forget: db.prepare<[string]>(
        "DELETE FROM notification_outbox WHERE id IN (SELECT value FROM json_each(?))",
      ),
      retry: db.prepare<[number, number]>(
        `UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = ?,
                                        claimed_until = 0
         WHERE id = ?`,
      ),
    };
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<OwedNotification[]> {
    // Most of the time nothing is owed: a read, not a write, says so.
    if (!this.stmts.anyDue.get(now, now)) return [];
    const rows = await this.shared.write(() =>
      this.stmts.claim.all(now + leaseMs, now, now, limit),
    );
    return rows
      .sort((a, b) => a.id - b.id)
      .map((row) => ({
        id: row.id,
        intent: JSON.parse(row.intent) as NotificationIntent,
        trace: JSON.parse(row.trace) as TraceCarrier,
        attempts: row.attempts,
        createdAt: row.created_at,
      }));
  }

  async settle(
    done: readonly number[],
    retry: readonly { readonly id: number; readonly at: number }[],
  ): Promise<void> {
    if (done.length === 0 && retry.length === 0) return;
    await this.shared.write(() => {
      if (done.length > 0) this.stmts.forget.run(JSON.stringify(done));
      for (const { id, at } of retry) this.stmts.retry.run(at, id);
    });
  }
}

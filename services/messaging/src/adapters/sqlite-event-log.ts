import type {
  EventLog,
  Housekeeping,
  JoinedChannelRecord,
  StoredEvent,
  StreamHead,
  StreamMembership,
} from "../ports.js";
import {
  CHANNEL_COLUMNS,
  type ChannelRow,
  MEMBER_COLUMNS,
  type MemberRow,
  type SqliteShared,
  toChannel,
  toMember,
} from "./sqlite-common.js";

/**
 * Rows deleted per write while pruning. Each batch is a write of its own through the group
 * commit, so no single one holds the write lock (or this instance's event loop) for long, and
 * the instance's sends take turns with the pruning.
 */
const PRUNE_BATCH = 500;

interface EventRow {
  channel_id: string;
  event_offset: number;
  epoch: string;
  event: Buffer;
  created_at: number;
}

/** {@link EventLog} and retention ({@link Housekeeping}) on messaging's SQLite database. */
export class SqliteEventLog implements EventLog, Housekeeping {
  private readonly db;
  private readonly stmts;

  constructor(private readonly shared: SqliteShared) {
    const db = shared.db;
    this.db = db;
    this.stmts = {
      read: db.prepare<[string, number, number], EventRow>(
        `SELECT channel_id, event_offset, epoch, event, created_at FROM channel_events
         WHERE channel_id = ? AND event_offset > ? ORDER BY event_offset LIMIT ?`,
      ),
      heads: db.prepare<[string], { id: string; epoch: string; last_offset: number }>(
        "SELECT id, epoch, last_offset FROM channels WHERE id IN (SELECT value FROM json_each(?))",
      ),
      memberships: db.prepare<
        [string],
        {
          user_id: string;
          channel_id: string;
          epoch: string;
          last_offset: number;
          joined_offset: number;
        }
      >(
        `SELECT m.user_id, m.channel_id, c.epoch, c.last_offset, m.joined_offset
         FROM members m JOIN channels c ON c.id = m.channel_id
         WHERE m.user_id IN (SELECT value FROM json_each(?)) AND c.deleted_at IS NULL`,
      ),
      snapshot: db.prepare<[string], ChannelRow & MemberRow>(
        `SELECT ${CHANNEL_COLUMNS}, ${MEMBER_COLUMNS}
         FROM members m JOIN channels c ON c.id = m.channel_id
         WHERE m.user_id = ? AND c.deleted_at IS NULL ORDER BY c.id`,
      ),
      pruneEvents: db.prepare<[number, number]>(
        `DELETE FROM channel_events WHERE (channel_id, event_offset) IN
           (SELECT channel_id, event_offset FROM channel_events WHERE created_at < ? LIMIT ?)`,
      ),
      pruneKeys: db.prepare<[number, number]>(
        `DELETE FROM idempotency_keys WHERE (author_id, key) IN
           (SELECT author_id, key FROM idempotency_keys WHERE created_at < ? LIMIT ?)`,
      ),
      deletedChannels: db.prepare<[number, number], { id: string }>(
        "SELECT id FROM channels WHERE deleted_at IS NOT NULL AND deleted_at < ? LIMIT ?",
      ),
      dropChannelEvents: db.prepare<[string]>("DELETE FROM channel_events WHERE channel_id = ?"),
      dropChannel: db.prepare<[string]>("DELETE FROM channels WHERE id = ?"),
    };
  }

  async readEvents(channelId: string, afterOffset: number, limit: number): Promise<StoredEvent[]> {
    return this.stmts.read.all(channelId, afterOffset, limit).map((row) => ({
      channelId: row.channel_id,
      epoch: row.epoch,
      offset: row.event_offset,
      createdAt: row.created_at,
      bytes: new Uint8Array(row.event.buffer, row.event.byteOffset, row.event.byteLength),
    }));
  }

  async heads(channelIds: readonly string[]): Promise<Map<string, StreamHead>> {
    const heads = new Map<string, StreamHead>();
    if (channelIds.length === 0) return heads;
    for (const row of this.stmts.heads.all(JSON.stringify(channelIds))) {
      heads.set(row.id, { epoch: row.epoch, offset: row.last_offset });
    }
    return heads;
  }

  async memberships(userIds: readonly string[]): Promise<StreamMembership[]> {
    if (userIds.length === 0) return [];
    return this.stmts.memberships.all(JSON.stringify(userIds)).map((row) => ({
      userId: row.user_id,
      channelId: row.channel_id,
      epoch: row.epoch,
      lastOffset: row.last_offset,
      joinedOffset: row.joined_offset,
    }));
  }

  async snapshot(userId: string): Promise<JoinedChannelRecord[]> {
    return this.db.transaction(() =>
      this.stmts.snapshot.all(userId).map((row) => ({
        channel: toChannel(row),
        member: toMember(row),
        readState: this.shared.readState(row),
      })),
    )();
  }

  async prune(cutoffs: {
    readonly eventsBefore: number;
    readonly keysBefore: number;
  }): Promise<{ readonly events: number; readonly keys: number; readonly channels: number }> {
    // One batch per write: the group commit waits for another instance's write lock without
    // blocking the event loop, and the loop runs between batches.
    const drain = async (batch: () => number): Promise<number> => {
      let total = 0;
      for (;;) {
        const removed = await this.shared.write(batch);
        total += removed;
        if (removed < PRUNE_BATCH) return total;
      }
    };
    const events = await drain(
      () => this.stmts.pruneEvents.run(cutoffs.eventsBefore, PRUNE_BATCH).changes,
    );
    const keys = await drain(
      () => this.stmts.pruneKeys.run(cutoffs.keysBefore, PRUNE_BATCH).changes,
    );
    const channels = await drain(() => {
      const gone = this.stmts.deletedChannels.all(cutoffs.eventsBefore, PRUNE_BATCH);
      for (const { id } of gone) {
        this.stmts.dropChannelEvents.run(id);
        this.stmts.dropChannel.run(id);
      }
      return gone.length;
    });
    return { events, keys, channels };
  }
}

import { deferredTrace, type TraceOrigin } from "@parley/mesh";
import type Database from "better-sqlite3";
import type {
  ChannelEventPayload,
  ChannelKindName,
  ChannelRecord,
  CommitListener,
  EventEncoder,
  MemberRecord,
  MemberRoleName,
  MessageRecord,
  NotificationIntent,
  ReadStateRecord,
  StoredEvent,
} from "../ports.js";
import { GroupCommit } from "./sqlite-group-commit.js";

/** A `channels` row. */
export interface ChannelRow {
  id: string;
  kind: string;
  name: string;
  topic: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
  deleted_at: number | null;
  dm_key: string | null;
  member_count: number;
  last_seq: number;
  last_message_at: number | null;
  epoch: string;
  last_offset: number;
}

export const CHANNEL_COLUMNS =
  "c.id, c.kind, c.name, c.topic, c.created_by, c.created_at, c.updated_at, c.archived_at, c.deleted_at, c.dm_key, c.member_count, c.last_seq, c.last_message_at, c.epoch, c.last_offset";

/** A `members` row. */
export interface MemberRow {
  channel_id: string;
  user_id: string;
  role: string;
  joined_at: number;
  joined_offset: number;
  last_read_seq: number;
  read_updated_at: number | null;
}

export const MEMBER_COLUMNS =
  "m.channel_id, m.user_id, m.role, m.joined_at, m.joined_offset, m.last_read_seq, m.read_updated_at";

/** A `messages` row. */
export interface MessageRow {
  id: string;
  channel_id: string;
  seq: number;
  author_id: string;
  text: string;
  thread_root_id: string | null;
  mentions: string;
  reply_count: number;
  last_reply_at: number | null;
  idempotency_key: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  deleted_by: string | null;
}

export const MESSAGE_COLUMNS =
  "id, channel_id, seq, author_id, text, thread_root_id, mentions, reply_count, last_reply_at, idempotency_key, created_at, edited_at, deleted_at, deleted_by";

export function toChannel(row: ChannelRow): ChannelRecord {
  return {
    id: row.id,
    kind: row.kind as ChannelKindName,
    name: row.name,
    topic: row.topic,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    memberCount: row.member_count,
    participantIds: row.dm_key ? row.dm_key.split(",") : [],
    lastMessageSeq: row.last_seq,
    lastMessageAt: row.last_message_at,
    epoch: row.epoch,
    lastOffset: row.last_offset,
  };
}

export function toMember(row: MemberRow): MemberRecord {
  return {
    channelId: row.channel_id,
    userId: row.user_id,
    role: row.role as MemberRoleName,
    joinedAt: row.joined_at,
    joinedOffset: row.joined_offset,
  };
}

export function toMessage(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    channelId: row.channel_id,
    seq: row.seq,
    authorId: row.author_id,
    text: row.text,
    threadRootId: row.thread_root_id,
    mentionedUserIds: JSON.parse(row.mentions) as string[],
    replyCount: row.reply_count,
    lastReplyAt: row.last_reply_at,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    deletedBy: row.deleted_by,
  };
}

/**
 * Statements every store on messaging's database shares: channel and member lookups, read-state
 * counts, and appending durable events. Methods that write must run inside a write transaction.
 */
export class SqliteShared {
  private readonly channelStmt;
  private readonly memberStmt;
  private readonly unreadStmt;
  private readonly mentionStmt;
  private readonly bumpOffset;
  private readonly insertEvent;
  private readonly trimEvents;
  private readonly insertOwed;
  /** Events appended by the write transaction in progress. */
  private appended: StoredEvent[] | undefined;
  /** Whether the write in progress recorded owed notifications. */
  private owedNow = false;
  /** Where the write in progress was asked for (its trace, for what it owes). */
  private origin: TraceOrigin;
  private readonly group: GroupCommit;

  constructor(
    readonly db: Database.Database,
    private readonly encode: EventEncoder,
    private readonly retainEvents: number,
    onCommitted: CommitListener,
    busyTimeoutMs: number,
    private readonly onOwed: () => void,
  ) {
    this.group = new GroupCommit(db, { busyTimeoutMs, onCommitted });
    this.channelStmt = db.prepare<[string], ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM channels c WHERE c.id = ? AND c.deleted_at IS NULL`,
    );
    this.memberStmt = db.prepare<[string, string], MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m WHERE m.channel_id = ? AND m.user_id = ?`,
    );
    this.unreadStmt = db.prepare<[string, number, string], { n: number }>(
      `SELECT COUNT(*) AS n FROM messages
       WHERE channel_id = ? AND thread_root_id IS NULL AND seq > ? AND deleted_at IS NULL
         AND author_id != ?`,
    );
    this.mentionStmt = db.prepare<[string, string, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM mentions
       WHERE user_id = ? AND channel_id = ? AND seq > ? AND top_level = 1`,
    );
    this.bumpOffset = db.prepare<[string], { last_offset: number; epoch: string }>(
      "UPDATE channels SET last_offset = last_offset + 1 WHERE id = ? RETURNING last_offset, epoch",
    );
    this.insertEvent = db.prepare<[string, number, string, Uint8Array, number]>(
      `INSERT INTO channel_events (channel_id, event_offset, epoch, event, created_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.insertOwed = db.prepare<[string, string, number, number]>(
      `INSERT INTO notification_outbox (intent, trace, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?)`,
    );
    this.trimEvents = db.prepare<[string, number]>(
      "DELETE FROM channel_events WHERE channel_id = ? AND event_offset <= ?",
    );
  }

  /**
   * Runs `work` as one atomic write inside a `BEGIN IMMEDIATE` transaction (the write lock is
   * taken first, so numbers read inside cannot be handed out twice, whichever instance writes),
   * together with the other writes of this turn of the event loop ({@link GroupCommit}); resolves
   * once that transaction committed, after the events it appended were handed to the commit
   * listener: an instance announces its events in commit order, and never before they are
   * durable.
   */
  write<T>(work: () => T): Promise<T> {
    let owed = false;
    const origin = deferredTrace.origin();
    const written = this.group.run(() => {
      const appended: StoredEvent[] = [];
      this.appended = appended;
      this.owedNow = false;
      this.origin = origin;
      try {
        const value = work();
        owed = this.owedNow;
        return { value, events: appended };
      } finally {
        this.appended = undefined;
        this.owedNow = false;
        this.origin = undefined;
      }
    });
    return written.then((value) => {
      // Committed with notifications owed: the relay is told (a write that threw owes nothing,
      // its savepoint undid the outbox row too).
      if (owed) this.onOwed();
      return value;
    });
  }

  channel(id: string): ChannelRecord | undefined {
    const row = this.channelStmt.get(id);
    return row ? toChannel(row) : undefined;
  }

  memberRow(channelId: string, userId: string): MemberRow | undefined {
    return this.memberStmt.get(channelId, userId);
  }

  member(channelId: string, userId: string): MemberRecord | undefined {
    const row = this.memberStmt.get(channelId, userId);
    return row ? toMember(row) : undefined;
  }

  /** The member's read state, counted now. */
  readState(row: MemberRow): ReadStateRecord {
    const unread = this.unreadStmt.get(row.channel_id, row.last_read_seq, row.user_id)?.n ?? 0;
    const mentions = this.mentionStmt.get(row.user_id, row.channel_id, row.last_read_seq)?.n ?? 0;
    return {
      channelId: row.channel_id,
      lastReadSeq: row.last_read_seq,
      unreadCount: unread,
      unreadMentionCount: mentions,
      updatedAt: row.read_updated_at,
    };
  }

  /**
   * Records notifications the write in progress owes, in its transaction: they are sent once it
   * committed, by whichever instance's relay takes them first. Inside a write transaction only.
   */
  owe(intent: NotificationIntent, now: number): void {
    if (!this.appended) throw new Error("notifications can only be owed inside write()");
    const trace = JSON.stringify(deferredTrace.carrier(this.origin));
    this.insertOwed.run(JSON.stringify(intent), trace, now, now);
    this.owedNow = true;
  }

  /**
   * Appends a durable event to the channel's log: allocates the next offset, serializes the event
   * once, stores it and trims the log to the retained window. Inside a write transaction only.
   */
  append(channelId: string, payload: ChannelEventPayload, now: number): StoredEvent {
    if (!this.appended) throw new Error("events can only be appended inside write()");
    const head = this.bumpOffset.get(channelId);
    if (!head) throw new Error(`cannot append an event to unknown channel ${channelId}`);
    const bytes = this.encode({
      channelId,
      epoch: head.epoch,
      offset: head.last_offset,
      time: now,
      payload,
    });
    this.insertEvent.run(channelId, head.last_offset, head.epoch, bytes, now);
    if (head.last_offset > this.retainEvents) {
      this.trimEvents.run(channelId, head.last_offset - this.retainEvents);
    }
    const event = { channelId, epoch: head.epoch, offset: head.last_offset, createdAt: now, bytes };
    this.appended.push(event);
    return event;
  }
}

import type {
  HistoryAnchor,
  HistoryPage,
  IdempotencyRecord,
  MessageRecord,
  MessageStore,
  MessageWriteResult,
  NewMessage,
  ReactionSummary,
  ReadStateRecord,
  SendResult,
  ThreadStateRecord,
  WriteRefusal,
} from "../ports.js";
import { MESSAGE_COLUMNS, type MessageRow, type SqliteShared, toMessage } from "./sqlite-common.js";

const TOP = Number.MAX_SAFE_INTEGER;

/** The statements that page one view (top-level messages, or one thread's replies). */
interface ViewStatements {
  below: import("better-sqlite3").Statement<[string, string, number, number], MessageRow>;
  atOrAbove: import("better-sqlite3").Statement<[string, string, number, number], MessageRow>;
  existsBelow: import("better-sqlite3").Statement<[string, string, number], { found: number }>;
  existsAbove: import("better-sqlite3").Statement<[string, string, number], { found: number }>;
}

/** {@link MessageStore} on messaging's SQLite database. */
export class SqliteMessageStore implements MessageStore {
  private readonly db;
  private readonly stmts;
  private readonly topLevel: ViewStatements;
  private readonly thread: ViewStatements;

  constructor(private readonly shared: SqliteShared) {
    const db = shared.db;
    this.db = db;
    this.stmts = {
      message: db.prepare<[string, string], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND channel_id = ?`,
      ),
      idempotency: db.prepare<
        [string, string],
        { message_id: string; channel_id: string; request_hash: string }
      >(
        `SELECT message_id, channel_id, request_hash FROM idempotency_keys
         WHERE author_id = ? AND key = ?`,
      ),
      insertIdempotency: db.prepare<[string, string, string, string, string, number]>(
        `INSERT INTO idempotency_keys (author_id, key, message_id, channel_id, request_hash,
                                       created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      bumpSeq: db.prepare<[number, string], { last_seq: number }>(
        `UPDATE channels SET last_seq = last_seq + 1, last_message_at = ? WHERE id = ?
         RETURNING last_seq`,
      ),
      membersAmong: db.prepare<[string, string], { user_id: string }>(
        `SELECT user_id FROM members
         WHERE channel_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
      ),
      insertMessage: db.prepare(
        `INSERT INTO messages (id, channel_id, seq, author_id, text, thread_root_id, mentions,
                               idempotency_key, created_at)
         VALUES (@id, @channelId, @seq, @authorId, @text, @threadRootId, @mentions,
                 @idempotencyKey, @now)`,
      ),
      insertMention: db.prepare<[string, string, number, string, number]>(
        `INSERT OR IGNORE INTO mentions (user_id, channel_id, seq, message_id, top_level)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      deleteMentions: db.prepare<[string]>("DELETE FROM mentions WHERE message_id = ?"),
      recountThread: db.prepare<[{ root: string; channel: string }]>(
        `UPDATE messages SET
           reply_count = (SELECT COUNT(*) FROM messages r
                          WHERE r.channel_id = @channel AND r.thread_root_id = @root
                            AND r.deleted_at IS NULL),
           last_reply_at = (SELECT MAX(created_at) FROM messages r
                            WHERE r.channel_id = @channel AND r.thread_root_id = @root
                            AND r.deleted_at IS NULL)
         WHERE id = @root AND channel_id = @channel`,
      ),
      threadAuthors: db.prepare<[string, number, string], { author_id: string }>(
        `SELECT author_id FROM messages
         WHERE thread_root_id = ? AND seq < ? AND channel_id = ?
         GROUP BY author_id ORDER BY MIN(seq)`,
      ),
      advanceRead: db.prepare<[number, number, string, string, number]>(
        `UPDATE members SET last_read_seq = ?, read_updated_at = ?
         WHERE channel_id = ? AND user_id = ? AND last_read_seq < ?`,
      ),
      edit: db.prepare<[string, string, number, string]>(
        "UPDATE messages SET text = ?, mentions = ?, edited_at = ? WHERE id = ?",
      ),
      tombstone: db.prepare<[number, string, string]>(
        `UPDATE messages SET text = '', mentions = '[]', deleted_at = ?, deleted_by = ?
         WHERE id = ?`,
      ),
      deleteReactions: db.prepare<[string]>("DELETE FROM reactions WHERE message_id = ?"),
      hasReaction: db.prepare<[string, string, string], { found: number }>(
        "SELECT 1 AS found FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?",
      ),
      distinctEmojis: db.prepare<[string], { emoji: string }>(
        "SELECT DISTINCT emoji FROM reactions WHERE message_id = ?",
      ),
      insertReaction: db.prepare<[{ message: string; emoji: string; user: string; now: number }]>(
        `INSERT INTO reactions (message_id, emoji, user_id, position, created_at)
         VALUES (@message, @emoji, @user,
                 COALESCE((SELECT MIN(position) FROM reactions
                           WHERE message_id = @message AND emoji = @emoji),
                          (SELECT COALESCE(MAX(position), 0) + 1 FROM reactions
                           WHERE message_id = @message)),
                 @now)`,
      ),
      removeReaction: db.prepare<[string, string, string]>(
        "DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?",
      ),
      emojiCount: db.prepare<[string, string], { n: number }>(
        "SELECT COUNT(*) AS n FROM reactions WHERE message_id = ? AND emoji = ?",
      ),
      reactions: db.prepare<
        [string, string],
        { message_id: string; emoji: string; n: number; mine: number }
      >(
        `SELECT message_id, emoji, COUNT(*) AS n, MAX(user_id = ?) AS mine,
                MIN(position) AS place
         FROM reactions WHERE message_id IN (SELECT value FROM json_each(?))
         GROUP BY message_id, emoji ORDER BY message_id, place`,
      ),
    };
    this.topLevel = this.viewStatements("thread_root_id IS NULL AND ? = ''");
    this.thread = this.viewStatements("thread_root_id = ?");
  }

  private viewStatements(view: string): ViewStatements {
    const db = this.db;
    return {
      below: db.prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel_id = ? AND ${view} AND seq < ?
         ORDER BY seq DESC LIMIT ?`,
      ),
      atOrAbove: db.prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel_id = ? AND ${view} AND seq >= ?
         ORDER BY seq ASC LIMIT ?`,
      ),
      existsBelow: db.prepare(
        `SELECT EXISTS (SELECT 1 FROM messages WHERE channel_id = ? AND ${view} AND seq < ?)
           AS found`,
      ),
      existsAbove: db.prepare(
        `SELECT EXISTS (SELECT 1 FROM messages WHERE channel_id = ? AND ${view} AND seq > ?)
           AS found`,
      ),
    };
  }

  // ---- Reads ----

  async getMessage(channelId: string, messageId: string): Promise<MessageRecord | undefined> {
    const row = this.stmts.message.get(messageId, channelId);
    return row ? toMessage(row) : undefined;
  }

  async listHistory(
    channelId: string,
    threadRootId: string | null,
    anchor: HistoryAnchor,
    limit: number,
  ): Promise<HistoryPage> {
    const view = threadRootId === null ? this.topLevel : this.thread;
    const root = threadRootId ?? "";
    return this.db.transaction((): HistoryPage => {
      let rows: MessageRow[];
      switch (anchor.kind) {
        case "newest":
          rows = view.below.all(channelId, root, TOP, limit).reverse();
          break;
        case "before":
          rows = view.below.all(channelId, root, anchor.seq, limit).reverse();
          break;
        case "after":
          rows = view.atOrAbove.all(channelId, root, anchor.seq + 1, limit);
          break;
        case "around": {
          const lower = Math.floor(limit / 2);
          rows = [
            ...view.below.all(channelId, root, anchor.seq, lower).reverse(),
            ...view.atOrAbove.all(channelId, root, anchor.seq, limit - lower),
          ];
          break;
        }
      }
      const first = rows[0];
      const last = rows[rows.length - 1];
      const below = (seq: number) => view.existsBelow.get(channelId, root, seq)?.found === 1;
      const above = (seq: number) => view.existsAbove.get(channelId, root, seq)?.found === 1;
      if (first && last) {
        return {
          messages: rows.map(toMessage),
          hasMoreBefore: below(first.seq),
          hasMoreAfter: above(last.seq),
        };
      }
      // An empty page: say which side of the anchor still has messages.
      return {
        messages: [],
        hasMoreBefore: anchor.kind === "after" ? below(anchor.seq + 1) : false,
        hasMoreAfter: anchor.kind === "before" ? above(anchor.seq - 1) : false,
      };
    })();
  }

  async reactionsOf(
    messageIds: readonly string[],
    viewerId: string,
  ): Promise<Map<string, ReactionSummary[]>> {
    const result = new Map<string, ReactionSummary[]>();
    if (messageIds.length === 0) return result;
    for (const row of this.stmts.reactions.all(viewerId, JSON.stringify(messageIds))) {
      let list = result.get(row.message_id);
      if (!list) {
        list = [];
        result.set(row.message_id, list);
      }
      list.push({ emoji: row.emoji, count: row.n, reactedByMe: row.mine === 1 });
    }
    return result;
  }

  async findIdempotencyKey(authorId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = this.stmts.idempotency.get(authorId, key);
    return row
      ? { messageId: row.message_id, channelId: row.channel_id, requestHash: row.request_hash }
      : undefined;
  }

  // ---- Writes ----

  async sendMessage(input: NewMessage): Promise<SendResult> {
    return this.shared.write((): SendResult => {
      const channel = this.shared.channel(input.channelId);
      if (!channel) return { kind: "not_found" };
      const author = this.shared.memberRow(input.channelId, input.authorId);
      if (!author) return { kind: "not_member" };

      const used = this.stmts.idempotency.get(input.authorId, input.idempotencyKey);
      if (used) {
        const original =
          used.request_hash === input.requestHash
            ? this.stmts.message.get(used.message_id, input.channelId)
            : undefined;
        if (!original) return { kind: "key_reused" };
        return {
          kind: "ok",
          value: {
            message: toMessage(original),
            created: false,
            threadParticipants: [],
            directParticipants: [],
          },
          events: [],
        };
      }

      if (channel.archivedAt !== null) return { kind: "archived" };
      let root: MessageRow | undefined;
      if (input.threadRootId !== null) {
        root = this.stmts.message.get(input.threadRootId, input.channelId);
        if (!root) return { kind: "root_not_found" };
        if (root.thread_root_id !== null) return { kind: "root_is_reply" };
        if (root.deleted_at !== null) return { kind: "root_deleted" };
      }

      const seq = this.stmts.bumpSeq.get(input.now, input.channelId)?.last_seq;
      if (seq === undefined) return { kind: "not_found" };
      const mentioned = this.membersInOrder(input.channelId, input.mentionCandidates);
      this.stmts.insertMessage.run({
        id: input.id,
        channelId: input.channelId,
        seq,
        authorId: input.authorId,
        text: input.text,
        threadRootId: input.threadRootId,
        mentions: JSON.stringify(mentioned),
        idempotencyKey: input.idempotencyKey,
        now: input.now,
      });
      this.indexMentions(input.id, input.channelId, seq, input.authorId, mentioned, !root);
      this.stmts.insertIdempotency.run(
        input.authorId,
        input.idempotencyKey,
        input.id,
        input.channelId,
        input.requestHash,
        input.now,
      );
      this.stmts.advanceRead.run(seq, input.now, input.channelId, input.authorId, seq);

      let thread: ThreadStateRecord | undefined;
      let threadParticipants: string[] = [];
      if (root) {
        thread = this.recountThread(root.id, input.channelId);
        const earlier = this.stmts.threadAuthors
          .all(root.id, seq, input.channelId)
          .map((row) => row.author_id);
        threadParticipants = this.membersInOrder(input.channelId, [root.author_id, ...earlier]);
      }
      // The row as just inserted (the columns not set above keep their defaults).
      const message: MessageRecord = {
        id: input.id,
        channelId: input.channelId,
        seq,
        authorId: input.authorId,
        text: input.text,
        threadRootId: input.threadRootId,
        mentionedUserIds: mentioned,
        replyCount: 0,
        lastReplyAt: null,
        idempotencyKey: input.idempotencyKey,
        createdAt: input.now,
        editedAt: null,
        deletedAt: null,
        deletedBy: null,
      };
      const event = this.shared.append(
        input.channelId,
        { case: "messageCreated", message, thread },
        input.now,
      );
      const directParticipants = channel.kind === "direct" ? [...channel.participantIds] : [];
      if (tellsAnyoneBut(input.authorId, mentioned, threadParticipants, directParticipants)) {
        this.shared.owe(
          {
            kind: "message",
            channelId: input.channelId,
            messageId: input.id,
            mentioned,
            threadParticipants,
            directParticipants,
          },
          input.now,
        );
      }
      return {
        kind: "ok",
        value: { message, created: true, threadParticipants, directParticipants },
        events: [event],
      };
    });
  }

  async editMessage(
    channelId: string,
    messageId: string,
    authorId: string,
    text: string,
    mentionCandidates: readonly string[],
    now: number,
  ): Promise<
    MessageWriteResult<{ readonly message: MessageRecord; readonly newlyMentioned: string[] }>
  > {
    return this.shared.write(
      (): MessageWriteResult<{
        readonly message: MessageRecord;
        readonly newlyMentioned: string[];
      }> => {
        const channel = this.shared.channel(channelId);
        if (!channel) return { kind: "not_found" };
        if (!this.shared.memberRow(channelId, authorId)) return { kind: "not_member" };
        const row = this.stmts.message.get(messageId, channelId);
        if (!row) return { kind: "message_not_found" };
        if (row.author_id !== authorId) return { kind: "not_author" };
        if (row.deleted_at !== null) return { kind: "message_deleted" };
        if (channel.archivedAt !== null) return { kind: "archived" };
        const before = new Set(JSON.parse(row.mentions) as string[]);
        const mentioned = this.membersInOrder(channelId, mentionCandidates);
        this.stmts.edit.run(text, JSON.stringify(mentioned), now, messageId);
        this.stmts.deleteMentions.run(messageId);
        this.indexMentions(
          messageId,
          channelId,
          row.seq,
          authorId,
          mentioned,
          row.thread_root_id === null,
        );
        const updated = this.stmts.message.get(messageId, channelId);
        if (!updated) throw new Error("message vanished inside its transaction");
        const message = toMessage(updated);
        const event = this.shared.append(channelId, { case: "messageEdited", message }, now);
        const newlyMentioned = mentioned.filter((id) => !before.has(id));
        if (tellsAnyoneBut(authorId, newlyMentioned)) {
          this.shared.owe(
            {
              kind: "message",
              channelId,
              messageId,
              mentioned: newlyMentioned,
              threadParticipants: [],
              directParticipants: [],
            },
            now,
          );
        }
        return { kind: "ok", value: { message, newlyMentioned }, events: [event] };
      },
    );
  }

  async deleteMessage(
    channelId: string,
    messageId: string,
    actorId: string,
    permitted: (message: MessageRecord) => boolean,
    now: number,
  ): Promise<MessageWriteResult<MessageRecord>> {
    return this.shared.write((): MessageWriteResult<MessageRecord> => {
      if (!this.shared.channel(channelId)) return { kind: "not_found" };
      const row = this.stmts.message.get(messageId, channelId);
      if (!row) return { kind: "message_not_found" };
      const current = toMessage(row);
      if (!permitted(current)) return { kind: "not_author" };
      if (row.deleted_at !== null) return { kind: "ok", value: current, events: [] };
      this.stmts.tombstone.run(now, actorId, messageId);
      this.stmts.deleteMentions.run(messageId);
      this.stmts.deleteReactions.run(messageId);
      const thread =
        row.thread_root_id !== null ? this.recountThread(row.thread_root_id, channelId) : undefined;
      const deleted = this.stmts.message.get(messageId, channelId);
      if (!deleted) throw new Error("message vanished inside its transaction");
      const message = toMessage(deleted);
      const event = this.shared.append(channelId, { case: "messageDeleted", message, thread }, now);
      return { kind: "ok", value: message, events: [event] };
    });
  }

  async setReaction(
    channelId: string,
    messageId: string,
    userId: string,
    emoji: string,
    added: boolean,
    maxEmojis: number,
    now: number,
  ): Promise<MessageWriteResult<ReactionSummary[]>> {
    return this.shared.write((): MessageWriteResult<ReactionSummary[]> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (!this.shared.memberRow(channelId, userId)) return { kind: "not_member" };
      const row = this.stmts.message.get(messageId, channelId);
      if (!row) return { kind: "message_not_found" };
      if (channel.archivedAt !== null) return { kind: "archived" };
      const has = this.stmts.hasReaction.get(messageId, emoji, userId) !== undefined;
      if (added) {
        if (row.deleted_at !== null) return { kind: "message_deleted" };
        if (has) return { kind: "ok", value: this.summaries(messageId, userId), events: [] };
        const emojis = this.stmts.distinctEmojis.all(messageId).map((r) => r.emoji);
        if (!emojis.includes(emoji) && emojis.length >= maxEmojis) {
          return { kind: "too_many_emojis" };
        }
        this.stmts.insertReaction.run({ message: messageId, emoji, user: userId, now });
      } else {
        if (!has) return { kind: "ok", value: this.summaries(messageId, userId), events: [] };
        this.stmts.removeReaction.run(messageId, emoji, userId);
      }
      const count = this.stmts.emojiCount.get(messageId, emoji)?.n ?? 0;
      const event = this.shared.append(
        channelId,
        { case: "reactionChanged", messageId, seq: row.seq, emoji, userId, added, count },
        now,
      );
      return { kind: "ok", value: this.summaries(messageId, userId), events: [event] };
    });
  }

  async markRead(
    channelId: string,
    userId: string,
    seq: number,
    now: number,
  ): Promise<
    | { readonly kind: "ok"; readonly readState: ReadStateRecord; readonly changed: boolean }
    | WriteRefusal
  > {
    return this.shared.write(() => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" } as const;
      if (!this.shared.memberRow(channelId, userId)) return { kind: "not_member" } as const;
      const target = Math.min(seq, channel.lastMessageSeq);
      const changed =
        this.stmts.advanceRead.run(target, now, channelId, userId, target).changes > 0;
      const row = this.shared.memberRow(channelId, userId);
      if (!row) return { kind: "not_member" } as const;
      return { kind: "ok", readState: this.shared.readState(row), changed } as const;
    });
  }

  // ---- Helpers (inside transactions) ----

  /** `candidates` that are members of the channel, deduplicated, in the given order. */
  private membersInOrder(channelId: string, candidates: readonly string[]): string[] {
    if (candidates.length === 0) return [];
    const members = new Set(
      this.stmts.membersAmong.all(channelId, JSON.stringify(candidates)).map((row) => row.user_id),
    );
    return [...new Set(candidates)].filter((id) => members.has(id));
  }

  /** Mention rows for unread-mention counts (own messages are never unread: no row for the author). */
  private indexMentions(
    messageId: string,
    channelId: string,
    seq: number,
    authorId: string,
    mentioned: readonly string[],
    topLevel: boolean,
  ): void {
    for (const userId of mentioned) {
      if (userId === authorId) continue;
      this.stmts.insertMention.run(userId, channelId, seq, messageId, topLevel ? 1 : 0);
    }
  }

  private recountThread(rootId: string, channelId: string): ThreadStateRecord {
    this.stmts.recountThread.run({ root: rootId, channel: channelId });
    const root = this.stmts.message.get(rootId, channelId);
    if (!root) throw new Error("thread root vanished inside its transaction");
    return {
      rootId,
      rootSeq: root.seq,
      replyCount: root.reply_count,
      lastReplyAt: root.last_reply_at,
    };
  }

  private summaries(messageId: string, viewerId: string): ReactionSummary[] {
    return this.stmts.reactions
      .all(viewerId, JSON.stringify([messageId]))
      .map((row) => ({ emoji: row.emoji, count: row.n, reactedByMe: row.mine === 1 }));
  }
}

/** Whether any of the audiences names someone other than `authorId` (who is never notified). */
function tellsAnyoneBut(authorId: string, ...audiences: (readonly string[])[]): boolean {
  return audiences.some((ids) => ids.some((id) => id !== authorId));
}

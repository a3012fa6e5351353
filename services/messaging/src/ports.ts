/**
 * The narrow interfaces messaging's use cases depend on, and the records they exchange. Adapters
 * (SQLite today, MongoDB next; memory and Redis for presence; auth and notifications clients)
 * implement them; tests swap in fakes.
 *
 * Times are milliseconds since the epoch, read from {@link Clock}. Message `seq`s and stream
 * offsets are plain numbers here (safe integers: 2^53 events per channel is plenty) and become
 * `uint64` only at the protobuf boundary.
 */
export type {
  Clock,
  PubSub,
  RateDecision,
  RateLimiter,
  StructuredLogger as Logger,
} from "@parley/mesh";

// ---- Records ----

export type ChannelKindName = "public" | "private" | "direct";
export type MemberRoleName = "member" | "owner";

/** A channel as stored (never a deleted one: those are gone for every reader). */
export interface ChannelRecord {
  readonly id: string;
  readonly kind: ChannelKindName;
  /** Empty for direct channels. */
  readonly name: string;
  readonly topic: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly archivedAt: number | null;
  readonly memberCount: number;
  /** Direct channels: every participant, sorted. Empty otherwise. */
  readonly participantIds: readonly string[];
  readonly lastMessageSeq: number;
  readonly lastMessageAt: number | null;
  /** The channel's event stream: its epoch and newest offset. */
  readonly epoch: string;
  readonly lastOffset: number;
}

export interface MemberRecord {
  readonly channelId: string;
  readonly userId: string;
  readonly role: MemberRoleName;
  readonly joinedAt: number;
  /**
   * The stream offset of the membership_changed event that started this membership; events
   * before it happened while the person was not a member, so they are never replayed to them.
   */
  readonly joinedOffset: number;
}

/** One member's read position and unread counts in one channel. */
export interface ReadStateRecord {
  readonly channelId: string;
  readonly lastReadSeq: number;
  readonly unreadCount: number;
  readonly unreadMentionCount: number;
  readonly updatedAt: number | null;
}

/** A channel the user belongs to, with what is specific to them. */
export interface JoinedChannelRecord {
  readonly channel: ChannelRecord;
  readonly member: MemberRecord;
  readonly readState: ReadStateRecord;
}

export interface MessageRecord {
  readonly id: string;
  readonly channelId: string;
  readonly seq: number;
  readonly authorId: string;
  /** Empty on tombstones. */
  readonly text: string;
  /** Null on top-level messages. */
  readonly threadRootId: string | null;
  /** Resolved mentions in order of first mention; empty on tombstones. */
  readonly mentionedUserIds: readonly string[];
  readonly replyCount: number;
  readonly lastReplyAt: number | null;
  readonly idempotencyKey: string;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deletedAt: number | null;
  readonly deletedBy: string | null;
}

/** All reactions with one emoji on one message, relative to one viewer. */
export interface ReactionSummary {
  readonly emoji: string;
  readonly count: number;
  readonly reactedByMe: boolean;
}

/** A thread root's counters after a reply was added or deleted. */
export interface ThreadStateRecord {
  readonly rootId: string;
  readonly rootSeq: number;
  readonly replyCount: number;
  readonly lastReplyAt: number | null;
}

// ---- Durable channel events ----

export type MembershipChangeName = "joined" | "added" | "left" | "removed" | "role_changed";

/** What happened, in domain terms; {@link EventEncoder} turns it into a `MessagingEvent`. */
export type ChannelEventPayload =
  | {
      readonly case: "messageCreated";
      readonly message: MessageRecord;
      readonly thread: ThreadStateRecord | undefined;
    }
  | { readonly case: "messageEdited"; readonly message: MessageRecord }
  | {
      readonly case: "messageDeleted";
      readonly message: MessageRecord;
      readonly thread: ThreadStateRecord | undefined;
    }
  | {
      readonly case: "reactionChanged";
      readonly messageId: string;
      readonly seq: number;
      readonly emoji: string;
      readonly userId: string;
      readonly added: boolean;
      readonly count: number;
    }
  | {
      readonly case: "membershipChanged";
      readonly userId: string;
      readonly change: MembershipChangeName;
      /** Null after leaving or removal. */
      readonly role: MemberRoleName | null;
      readonly actorId: string;
      readonly channel: ChannelRecord;
    }
  | { readonly case: "channelUpdated"; readonly channel: ChannelRecord; readonly actorId: string }
  | { readonly case: "channelDeleted"; readonly actorId: string };

/** A durable event with its place in the channel's stream. */
export interface ChannelEvent {
  readonly channelId: string;
  readonly epoch: string;
  readonly offset: number;
  readonly time: number;
  readonly payload: ChannelEventPayload;
}

/**
 * Serializes a durable event (as a `parley.messaging.v1.MessagingEvent`). The store calls it
 * inside the transaction that allocates the offset, stores the bytes in the channel's event log,
 * and hands the same bytes back for publishing: one serialization per event.
 */
export type EventEncoder = (event: ChannelEvent) => Uint8Array;

/**
 * Hears about durable events right after the transaction that appended them commits, before the
 * write returns, in commit order (this is where messaging publishes them). Must not throw.
 */
export type CommitListener = (events: readonly StoredEvent[]) => void;

/** A durable event as kept in a channel's event log. */
export interface StoredEvent {
  readonly channelId: string;
  readonly epoch: string;
  readonly offset: number;
  readonly createdAt: number;
  /** The serialized `MessagingEvent`. */
  readonly bytes: Uint8Array;
}

/** A channel's event stream position. */
export interface StreamHead {
  readonly epoch: string;
  readonly offset: number;
}

// ---- Store: channels and membership ----

/** Keyset position in ListChannels (ordered by channel id). */
export interface JoinedChannelsQuery {
  readonly userId: string;
  /** Empty: every kind. */
  readonly kinds: readonly ChannelKindName[];
  readonly includeArchived: boolean;
  readonly afterChannelId: string | undefined;
  readonly limit: number;
}

export interface PublicChannelsQuery {
  readonly viewerId: string;
  /** Lower-case substring of name or topic; empty for all. */
  readonly search: string;
  readonly includeArchived: boolean;
  readonly after: { readonly name: string; readonly id: string } | undefined;
  readonly limit: number;
}

/** Keyset position in ListMembers (owners first, then join time, then user id). */
export interface MemberCursor {
  readonly rank: number;
  readonly joinedAt: number;
  readonly userId: string;
}

export interface NewChannel {
  readonly id: string;
  readonly kind: "public" | "private";
  readonly name: string;
  readonly topic: string;
  readonly creatorId: string;
  /** Initial members besides the creator (already checked to be known users). */
  readonly memberIds: readonly string[];
  readonly epoch: string;
  readonly now: number;
}

export interface NewDirectChannel {
  readonly id: string;
  readonly openerId: string;
  /** Every participant, the opener included, sorted and distinct. */
  readonly participantIds: readonly string[];
  readonly epoch: string;
  readonly now: number;
}

/** Something a write did not do because the state did not allow it. */
export type WriteRefusal =
  | { readonly kind: "not_found" }
  | { readonly kind: "archived" }
  | { readonly kind: "direct" }
  | { readonly kind: "not_member" }
  | { readonly kind: "name_taken" }
  | { readonly kind: "membership_limit"; readonly userId: string }
  | { readonly kind: "last_owner" }
  | { readonly kind: "not_public" };

/**
 * A successful write and the durable events it appended (already handed to the store's
 * {@link CommitListener} when the write returns).
 */
export interface Written<T> {
  readonly kind: "ok";
  readonly value: T;
  readonly events: readonly StoredEvent[];
}

export type WriteResult<T> = Written<T> | WriteRefusal;

/** Channels, their membership and the per-user view of them. */
export interface ChannelStore {
  /** A live (not deleted) channel. */
  getChannel(id: string): Promise<ChannelRecord | undefined>;
  getMember(channelId: string, userId: string): Promise<MemberRecord | undefined>;
  getReadState(channelId: string, userId: string): Promise<ReadStateRecord | undefined>;
  listJoined(query: JoinedChannelsQuery): Promise<JoinedChannelRecord[]>;
  listPublic(
    query: PublicChannelsQuery,
  ): Promise<{ readonly channel: ChannelRecord; readonly joined: boolean }[]>;
  listMembers(
    channelId: string,
    after: MemberCursor | undefined,
    limit: number,
  ): Promise<MemberRecord[]>;
  /** The ids of the live channels the user belongs to. */
  channelIdsOf(userId: string): Promise<string[]>;
  createChannel(input: NewChannel): Promise<WriteResult<JoinedChannelRecord>>;
  /** Creates the direct channel, or returns the existing one for the same participants. */
  openDirectChannel(
    input: NewDirectChannel,
  ): Promise<WriteResult<{ readonly joined: JoinedChannelRecord; readonly created: boolean }>>;
  updateChannel(
    channelId: string,
    patch: { readonly name?: string | undefined; readonly topic?: string | undefined },
    actorId: string,
    now: number,
  ): Promise<WriteResult<ChannelRecord>>;
  setArchived(
    channelId: string,
    archived: boolean,
    actorId: string,
    now: number,
  ): Promise<WriteResult<ChannelRecord>>;
  deleteChannel(channelId: string, actorId: string, now: number): Promise<WriteResult<null>>;
  join(channelId: string, userId: string, now: number): Promise<WriteResult<JoinedChannelRecord>>;
  /** `left` false when the user did not belong (nothing changed). */
  leave(
    channelId: string,
    userId: string,
    now: number,
  ): Promise<WriteResult<{ readonly left: boolean }>>;
  /** Adds the users who do not belong yet; returns those added. */
  addMembers(
    channelId: string,
    userIds: readonly string[],
    actorId: string,
    now: number,
  ): Promise<WriteResult<MemberRecord[]>>;
  removeMember(
    channelId: string,
    userId: string,
    actorId: string,
    now: number,
  ): Promise<WriteResult<{ readonly removed: boolean }>>;
  setMemberRole(
    channelId: string,
    userId: string,
    role: MemberRoleName,
    actorId: string,
    now: number,
  ): Promise<WriteResult<MemberRecord>>;
}

// ---- Store: messages, reactions, read state ----

/** Which messages a history page shows. */
export type HistoryAnchor =
  | { readonly kind: "newest" }
  | { readonly kind: "before"; readonly seq: number }
  | { readonly kind: "after"; readonly seq: number }
  | { readonly kind: "around"; readonly seq: number };

export interface HistoryPage {
  readonly messages: MessageRecord[];
  readonly hasMoreBefore: boolean;
  readonly hasMoreAfter: boolean;
}

export interface NewMessage {
  readonly id: string;
  readonly channelId: string;
  readonly authorId: string;
  readonly text: string;
  readonly threadRootId: string | null;
  /** Resolved mention candidates in order of first mention; non-members are dropped in the write. */
  readonly mentionCandidates: readonly string[];
  readonly idempotencyKey: string;
  /** Identifies the request's content, to tell a retry from a different message with the same key. */
  readonly requestHash: string;
  readonly now: number;
}

/** A previously used idempotency key. */
export interface IdempotencyRecord {
  readonly messageId: string;
  readonly channelId: string;
  readonly requestHash: string;
}

export type SendRefusal =
  | WriteRefusal
  | { readonly kind: "key_reused" }
  | { readonly kind: "root_not_found" }
  | { readonly kind: "root_is_reply" }
  | { readonly kind: "root_deleted" };

export interface SentMessage {
  readonly message: MessageRecord;
  /** False when the idempotency key had already stored it (nothing new was written). */
  readonly created: boolean;
  /** Replies: the thread root's author and earlier repliers who are still members. */
  readonly threadParticipants: readonly string[];
  /** Direct channels: every participant. */
  readonly directParticipants: readonly string[];
}

export type SendResult = Written<SentMessage> | SendRefusal;

export type MessageWriteRefusal =
  | WriteRefusal
  | { readonly kind: "message_not_found" }
  | { readonly kind: "message_deleted" }
  | { readonly kind: "not_author" }
  | { readonly kind: "too_many_emojis" };

export type MessageWriteResult<T> = Written<T> | MessageWriteRefusal;

/** Messages, threads, reactions, idempotency keys and read positions. */
export interface MessageStore {
  getMessage(channelId: string, messageId: string): Promise<MessageRecord | undefined>;
  listHistory(
    channelId: string,
    threadRootId: string | null,
    anchor: HistoryAnchor,
    limit: number,
  ): Promise<HistoryPage>;
  /** Reactions per message id, relative to `viewerId`; messages without reactions are absent. */
  reactionsOf(
    messageIds: readonly string[],
    viewerId: string,
  ): Promise<Map<string, ReactionSummary[]>>;
  findIdempotencyKey(authorId: string, key: string): Promise<IdempotencyRecord | undefined>;

  sendMessage(input: NewMessage): Promise<SendResult>;
  editMessage(
    channelId: string,
    messageId: string,
    authorId: string,
    text: string,
    mentionCandidates: readonly string[],
    now: number,
  ): Promise<
    MessageWriteResult<{ readonly message: MessageRecord; readonly newlyMentioned: string[] }>
  >;
  /** `permitted` decides, inside the write, whether the actor may delete this message. */
  deleteMessage(
    channelId: string,
    messageId: string,
    actorId: string,
    permitted: (message: MessageRecord) => boolean,
    now: number,
  ): Promise<MessageWriteResult<MessageRecord>>;
  setReaction(
    channelId: string,
    messageId: string,
    userId: string,
    emoji: string,
    added: boolean,
    maxEmojis: number,
    now: number,
  ): Promise<MessageWriteResult<ReactionSummary[]>>;
  /** Moves the read position forward (clamped to the newest message); `changed` false otherwise. */
  markRead(
    channelId: string,
    userId: string,
    seq: number,
    now: number,
  ): Promise<
    | { readonly kind: "ok"; readonly readState: ReadStateRecord; readonly changed: boolean }
    | WriteRefusal
  >;
}

// ---- Store: the durable event log ----

/** One membership as the live stream needs it. */
export interface StreamMembership {
  readonly userId: string;
  readonly channelId: string;
  readonly epoch: string;
  readonly lastOffset: number;
  readonly joinedOffset: number;
}

/** The per-channel event logs and stream heads. */
export interface EventLog {
  /** Events of the channel with offset above `afterOffset`, oldest first, at most `limit`. */
  readEvents(channelId: string, afterOffset: number, limit: number): Promise<StoredEvent[]>;
  /** Stream heads of the given channels (deleted channels included while their log is kept). */
  heads(channelIds: readonly string[]): Promise<Map<string, StreamHead>>;
  /** Every live membership of the given users, with the channels' stream heads. */
  memberships(userIds: readonly string[]): Promise<StreamMembership[]>;
  /** The caller's memberships with read states, in one consistent read (for Subscribe). */
  snapshot(userId: string): Promise<JoinedChannelRecord[]>;
}

/** Retention, run periodically. */
export interface Housekeeping {
  /**
   * Drops events older than `eventsBefore`, idempotency keys older than `keysBefore`, and what is
   * left of channels deleted before `eventsBefore`. Returns how many rows went.
   */
  prune(cutoffs: {
    readonly eventsBefore: number;
    readonly keysBefore: number;
  }): Promise<{ readonly events: number; readonly keys: number; readonly channels: number }>;
}

// ---- Other services ----

/** An account as other services see it. */
export interface DirectoryUser {
  readonly id: string;
  /** Lower-case. */
  readonly username: string;
  readonly displayName: string;
}

/**
 * People, from auth. Unknown ids and usernames are simply absent from the answers. Rejects when
 * auth cannot be reached.
 */
export interface UserDirectory {
  /** Keyed by user id. */
  lookupByIds(ids: readonly string[]): Promise<Map<string, DirectoryUser>>;
  /** Keyed by lower-case username. */
  lookupByUsernames(usernames: readonly string[]): Promise<Map<string, DirectoryUser>>;
}

export type NotificationKindName = "mention" | "direct_message" | "reply" | "invite";

/** One notification for one or more people, as the notifications service's Notify takes it. */
export interface OutgoingNotification {
  /** Derived from what it is about (e.g. `mention:<message id>`), so retries are harmless. */
  readonly idempotencyKey: string;
  readonly recipientIds: readonly string[];
  readonly kind: NotificationKindName;
  readonly title: string;
  readonly body: string;
  readonly channelId: string;
  readonly messageId: string;
  readonly threadRootId: string;
  readonly actorId: string;
  readonly link: string;
}

/** Tells the notifications service. Resolves once it took the notification; rejects otherwise. */
export interface Notifier {
  notify(notification: OutgoingNotification): Promise<void>;
}

/**
 * What a stored change owes people, recorded in the change's own transaction (the outbox): the
 * relay turns it into notifications when it sends them, with the message and channel as they
 * are then (a message deleted meanwhile notifies no one).
 */
export type NotificationIntent =
  | {
      readonly kind: "message";
      readonly channelId: string;
      readonly messageId: string;
      /** Mentioned members (EditMessage: the newly mentioned only). */
      readonly mentioned: readonly string[];
      /** Replies: the root's author and earlier repliers still in the channel. */
      readonly threadParticipants: readonly string[];
      /** Direct channels: every participant. */
      readonly directParticipants: readonly string[];
    }
  | {
      readonly kind: "invite";
      readonly channelId: string;
      /** The offset of the membership change that invited them: one invite, one key. */
      readonly offset: number;
      readonly actorId: string;
      readonly recipients: readonly string[];
    };

/** An intent in the outbox, held by the instance that claimed it. */
export interface OwedNotification {
  readonly id: number;
  readonly intent: NotificationIntent;
  /** The trace context of the call that owed it (W3C; empty when it was not traced). */
  readonly trace: Readonly<Record<string, string>>;
  /** Tries so far (before this one). */
  readonly attempts: number;
  readonly createdAt: number;
}

/** The durable outbox of owed notifications, shared by every instance on the database. */
export interface NotificationOutbox {
  /**
   * Up to `limit` owed notifications due at `now` that no instance holds, oldest first, now held
   * by the caller until `now + leaseMs` (after that, another instance may take them: the caller
   * is presumed dead).
   */
  claim(now: number, limit: number, leaseMs: number): Promise<OwedNotification[]>;
  /** Forgets the `done` ones (sent, or given up) and puts the `retry` ones back until `at`. */
  settle(
    done: readonly number[],
    retry: readonly { readonly id: number; readonly at: number }[],
  ): Promise<void>;
}

// ---- Presence ----

/** A status a person chooses with SetPresence. */
export type ChosenStatus = "online" | "away";
export type PresenceStatusName = ChosenStatus | "offline";

export interface PresenceRecord {
  readonly userId: string;
  readonly status: PresenceStatusName;
  /** When last present; about now when present; null when never seen. */
  readonly lastSeenAt: number | null;
}

/**
 * Shared presence state with time-to-live semantics, so several instances agree: a user is
 * present while one of their connections (open Subscribe streams, refreshed by the instance that
 * holds them) or their SetPresence heartbeat has not expired. Memory (one process) and Redis
 * (several instances; keys with TTL) implement it.
 */
export interface PresenceStore {
  /** Marks a connection alive until `expiresAt` (called on open and on every refresh). */
  touchConnection(
    userId: string,
    connectionId: string,
    expiresAt: number,
    now: number,
  ): Promise<void>;
  /** The connection closed. */
  dropConnection(userId: string, connectionId: string, now: number): Promise<void>;
  /** SetPresence: the chosen status, and presence until `expiresAt` without a connection. */
  heartbeat(userId: string, status: ChosenStatus, expiresAt: number, now: number): Promise<void>;
  /** Effective presence of each user (absent users are offline, never seen). */
  read(userIds: readonly string[], now: number): Promise<Map<string, PresenceRecord>>;
}

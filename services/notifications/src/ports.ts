/**
 * The narrow interfaces the notifications use cases depend on, and the records they exchange.
 * Adapters (SQLite today, MongoDB next; HTTPS for push services) implement them; tests swap in
 * fakes. The store ports are async so a networked store fits behind them.
 *
 * Times are milliseconds since the epoch, read from {@link Clock}; ids are lower-case UUIDs.
 * Empty strings (never null) stand for "not about a channel / message / thread / actor", as on
 * the wire.
 */
export type {
  Clock,
  PubSub,
  RateDecision,
  RateLimiter,
  StructuredLogger as Logger,
} from "@parley/mesh";

// ---- Notifications ----

export type NotificationKindName = "mention" | "direct_message" | "reply" | "invite" | "system";

/** What a notification says and what it is about: the same for every recipient of one Notify. */
export interface NotificationContent {
  readonly kind: NotificationKindName;
  readonly title: string;
  readonly body: string;
  readonly channelId: string;
  readonly messageId: string;
  readonly threadRootId: string;
  readonly actorUserId: string;
  readonly link: string;
}

/** One recipient's copy, with its own read state. */
export interface NotificationRecord extends NotificationContent {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly readAt: number | null;
}

/** Where a page of an inbox listing starts: after this notification (newest first). */
export interface InboxCursor {
  readonly createdAt: number;
  readonly id: string;
}

export interface InboxQuery {
  readonly userId: string;
  readonly unreadOnly: boolean;
  /** Only these kinds; every kind when empty. */
  readonly kinds: readonly NotificationKindName[];
  readonly after: InboxCursor | undefined;
  readonly limit: number;
}

/** Which of a person's notifications MarkRead marks (exactly one selector, as in the contract). */
export type ReadSelector =
  | { readonly kind: "ids"; readonly ids: readonly string[] }
  | { readonly kind: "up_to"; readonly upTo: number }
  | { readonly kind: "all" }
  | { readonly kind: "channel"; readonly channelId: string };

export interface MarkReadResult {
  /** How many notifications this call turned from unread to read. */
  readonly marked: number;
  /** For an `ids` selector, which ones (in the order given); empty for the other selectors. */
  readonly markedIds: readonly string[];
  readonly unreadCount: number;
}

/** What Notify decided for one recipient before storing anything (see `preferences.ts`). */
export interface RecipientPlan {
  readonly userId: string;
  /** False when the recipient's preferences drop the notification (still remembered by key). */
  readonly create: boolean;
  /** Also queue Web Push to each of the recipient's subscriptions. */
  readonly push: boolean;
}

/** One Notify call, as stored: idempotent per (caller, key, recipient). */
export interface NotifyWrite {
  /** The calling service's mesh identity: keys are scoped to it. */
  readonly caller: string;
  readonly key: string;
  readonly content: NotificationContent;
  readonly recipients: readonly RecipientPlan[];
  readonly now: number;
  /** Web Push deliveries queued by this call are dropped if still unsent at this time. */
  readonly pushExpiresAt: number;
}

/** What the store did for one recipient. */
export type RecipientResult =
  | {
      readonly userId: string;
      readonly outcome: "created";
      readonly notification: NotificationRecord;
      /** The recipient's unread notifications right after this one was stored. */
      readonly unreadCount: number;
      /** Web Push deliveries queued (one per subscription). */
      readonly pushQueued: number;
    }
  | {
      readonly userId: string;
      readonly outcome: "duplicate";
      /** The notification the first call created; empty when it created none (or it is gone). */
      readonly notificationId: string;
    }
  | { readonly userId: string; readonly outcome: "suppressed" };

export interface PruneResult {
  readonly notifications: number;
  readonly keys: number;
  readonly subscriptions: number;
}

/** People's inboxes and Notify's idempotency keys. */
export interface InboxStore {
  /**
   * Stores one Notify atomically: per recipient, a key already used by this caller is a
   * duplicate; otherwise the key is remembered and, when the plan says so, the notification
   * created (and Web Push queued for each of the recipient's subscriptions).
   */
  record(write: NotifyWrite): Promise<RecipientResult[]>;
  /** Newest first, `limit` at most. */
  list(query: InboxQuery): Promise<NotificationRecord[]>;
  /** Marks the person's unread notifications the selector names; ids not theirs are ignored. */
  markRead(userId: string, selector: ReadSelector, now: number): Promise<MarkReadResult>;
  unreadCount(userId: string): Promise<number>;
  /**
   * Removes read notifications read before `readBefore`, all notifications created before
   * `allBefore`, keys older than `keysBefore` and push subscriptions that expired before `now`.
   */
  prune(cutoffs: {
    readonly readBefore: number;
    readonly allBefore: number;
    readonly keysBefore: number;
    readonly now: number;
  }): Promise<PruneResult>;
}

// ---- Preferences ----

/** A mute, until a time or (null) until turned off. */
export interface MuteRecord {
  readonly until: number | null;
}

export interface KindSetting {
  readonly enabled: boolean;
  readonly push: boolean;
}

export interface ChannelMuteRecord {
  readonly channelId: string;
  readonly until: number | null;
}

/** A person's preferences as they apply now (expired mutes left out). */
export interface PreferencesRecord {
  /** Do not disturb; null when off. */
  readonly muteAll: MuteRecord | null;
  /** Every kind. */
  readonly kinds: Readonly<Record<NotificationKindName, KindSetting>>;
  readonly channelMutes: readonly ChannelMuteRecord[];
  /** Null while the preferences are the defaults (never changed). */
  readonly updatedAt: number | null;
}

/** An UpdatePreferences request in domain terms; what it leaves out stays as it is. */
export interface PreferencesChange {
  /** A new do-not-disturb, `"off"` to end it, undefined to leave it. */
  readonly muteAll: MuteRecord | "off" | undefined;
  readonly kinds: readonly (KindSetting & { readonly kind: NotificationKindName })[];
  readonly muteChannels: readonly ChannelMuteRecord[];
  readonly unmuteChannelIds: readonly string[];
}

/** Refusals of an update that the contract's validation cannot see. */
export type PreferencesRefusal = { readonly kind: "too_many_channel_mutes"; readonly max: number };

export interface PreferenceStore {
  /** The person's preferences at `now` (the defaults when never changed). */
  get(userId: string, now: number): Promise<PreferencesRecord>;
  /**
   * What Notify needs of several people's preferences at `now`, keyed by user id (every id
   * present): do-not-disturb, the kinds, and among channel mutes only the one of `channelId`
   * (none when it is empty), so a Notify to 1,000 people never reads their every mute.
   */
  forNotify(
    userIds: readonly string[],
    channelId: string,
    now: number,
  ): Promise<Map<string, PreferencesRecord>>;
  /** Applies a change atomically and returns the result, or a refusal. */
  update(
    userId: string,
    change: PreferencesChange,
    now: number,
  ): Promise<PreferencesRecord | PreferencesRefusal>;
}

// ---- Web Push ----

/** What a browser gives for its push subscription (W3C Push API). */
export interface PushRegistration {
  readonly endpoint: string;
  /** The browser's P-256 public key, base64url (65 bytes). */
  readonly p256dh: string;
  /** The 16-byte authentication secret, base64url. */
  readonly auth: string;
  readonly userAgent: string;
  readonly expiresAt: number | null;
}

export interface PushSubscriptionRecord extends PushRegistration {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type PushTarget = { readonly id: string } | { readonly endpoint: string };

export interface PushSubscriptionStore {
  /**
   * Registers (or refreshes) an endpoint for the person: a known endpoint keeps its id, gets the
   * new keys and moves to the person (its unsent deliveries are dropped: they were someone
   * else's). Past `maxPerUser` the person's least recently registered subscriptions go.
   */
  register(
    userId: string,
    registration: PushRegistration,
    now: number,
    maxPerUser: number,
  ): Promise<PushSubscriptionRecord>;
  /** Removes one of the person's subscriptions; false when they had no such subscription. */
  unregister(userId: string, target: PushTarget): Promise<boolean>;
  /** Most recently registered first. */
  list(userId: string): Promise<PushSubscriptionRecord[]>;
}

/** One notification to send to one subscription. */
export interface PushDelivery {
  readonly id: number;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly expiresAt: number;
  readonly notification: NotificationRecord;
  readonly subscription: PushSubscriptionRecord;
}

/**
 * Web Push deliveries waiting to be sent, durable (queued in the Notify transaction), claimed
 * with a lease so that instances sharing the store never send one twice at the same time.
 */
export interface PushOutbox {
  /** Up to `limit` due deliveries, leased to the caller for `leaseMs`. */
  claim(now: number, limit: number, leaseMs: number): Promise<PushDelivery[]>;
  /** Sent, given up, or no longer wanted: removes it. */
  complete(deliveryId: number): Promise<void>;
  /** Tries again at `at` (the attempt is counted). */
  retry(deliveryId: number, at: number): Promise<void>;
  /** The push service says the subscription is gone (404/410): removes it and its deliveries. */
  removeSubscription(subscriptionId: string): Promise<void>;
}

/** The server's VAPID key pair (RFC 8292), created once and shared by every instance. */
export interface VapidKeyPair {
  /** Uncompressed P-256 point (65 bytes), base64url without padding. */
  readonly publicKey: string;
  /** PKCS #8 PEM. Never logged. */
  readonly privateKeyPem: string;
}

export interface VapidKeyStore {
  /** The stored key pair, or `create()`'s, stored first (the first instance to store wins). */
  getOrCreate(create: () => VapidKeyPair): Promise<VapidKeyPair>;
}

/** One HTTP request to a push service (RFC 8030 §5). */
export interface PushRequest {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly timeoutMs: number;
}

export interface PushResponse {
  readonly status: number;
  /** The `Retry-After` header in seconds, when the push service gave one. */
  readonly retryAfterSeconds: number | undefined;
}

/** Sends requests to push services; rejects on network failures and timeouts. */
export interface PushTransport {
  send(request: PushRequest): Promise<PushResponse>;
}

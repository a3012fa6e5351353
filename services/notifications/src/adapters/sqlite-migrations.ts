import type Database from "better-sqlite3";

/**
 * The notifications schema, one entry per version, applied in order and recorded in
 * `PRAGMA user_version`. Append new entries; never edit a released one.
 *
 * Several notifications instances may share one database file (WAL): every write is one
 * `BEGIN IMMEDIATE` transaction, so an idempotency key checked inside it cannot be claimed by
 * another instance at the same time.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: inboxes, Notify's idempotency keys, preferences, push subscriptions and their outbox,
  // the VAPID key.
  `
  CREATE TABLE notifications (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    kind           TEXT NOT NULL
                   CHECK (kind IN ('mention', 'direct_message', 'reply', 'invite', 'system')),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL DEFAULT '',
    channel_id     TEXT NOT NULL DEFAULT '',
    message_id     TEXT NOT NULL DEFAULT '',
    thread_root_id TEXT NOT NULL DEFAULT '',
    actor_user_id  TEXT NOT NULL DEFAULT '',
    link           TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    read_at        INTEGER
  ) STRICT;
  -- The inbox, newest first (keyset pagination), and its unread part (counts, unread filter).
  CREATE INDEX notifications_inbox ON notifications (user_id, created_at DESC, id DESC);
  CREATE INDEX notifications_unread ON notifications (user_id, created_at) WHERE read_at IS NULL;
  CREATE INDEX notifications_unread_channel ON notifications (user_id, channel_id)
    WHERE read_at IS NULL AND channel_id != '';
  -- Retention.
  CREATE INDEX notifications_created ON notifications (created_at);
  CREATE INDEX notifications_read ON notifications (read_at) WHERE read_at IS NOT NULL;

  -- Keys a calling service used with Notify, per recipient: a retry finds its key here and
  -- creates nothing more. notification_id is NULL when nothing was created (suppressed by the
  -- recipient's preferences) or when the notification was since removed.
  CREATE TABLE notify_keys (
    caller          TEXT NOT NULL,
    key             TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    notification_id TEXT REFERENCES notifications (id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (caller, key, user_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX notify_keys_created ON notify_keys (created_at);
  CREATE INDEX notify_keys_notification ON notify_keys (notification_id)
    WHERE notification_id IS NOT NULL;

  -- Preferences that differ from the defaults. kinds: JSON {"<kind>": {"enabled", "push"}} for
  -- the kinds that were changed; mute_all: 1 while do-not-disturb is set (until NULL: no end).
  CREATE TABLE preferences (
    user_id        TEXT PRIMARY KEY,
    mute_all       INTEGER NOT NULL DEFAULT 0 CHECK (mute_all IN (0, 1)),
    mute_all_until INTEGER,
    kinds          TEXT NOT NULL DEFAULT '{}',
    updated_at     INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE channel_mutes (
    user_id    TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    until      INTEGER,
    PRIMARY KEY (user_id, channel_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX channel_mutes_until ON channel_mutes (until) WHERE until IS NOT NULL;

  -- Browsers' Web Push subscriptions. registered_seq orders registrations (most recent last)
  -- without ties, for the 20-per-person limit and for listing.
  CREATE TABLE push_subscriptions (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    endpoint       TEXT NOT NULL UNIQUE,
    p256dh         TEXT NOT NULL,
    auth           TEXT NOT NULL,
    user_agent     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    registered_seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, registered_seq);
  CREATE INDEX push_subscriptions_expires ON push_subscriptions (expires_at)
    WHERE expires_at IS NOT NULL;

  -- Web Push deliveries still to send: queued in the Notify transaction, claimed with a lease
  -- (claimed_until) by one instance at a time, removed when sent or given up.
  CREATE TABLE push_outbox (
    id              INTEGER PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    expires_at      INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX push_outbox_due ON push_outbox (next_attempt_at);
  CREATE INDEX push_outbox_notification ON push_outbox (notification_id);
  CREATE INDEX push_outbox_subscription ON push_outbox (subscription_id);
  CREATE INDEX push_outbox_expires ON push_outbox (expires_at);

  -- The server's VAPID key pair (RFC 8292): one row, shared by every instance.
  CREATE TABLE vapid_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    public_key  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  ) STRICT;
  `,
];

/**
 * Brings the database to the latest schema in one transaction, and refuses a database written by
 * a newer build. Safe when several instances start at once: the transaction is IMMEDIATE and the
 * version is read again inside it.
 */
export function migrate(db: Database.Database): void {
  const version = (): number => {
    const current = db.pragma("user_version", { simple: true });
    if (typeof current !== "number" || !Number.isInteger(current) || current < 0) {
      throw new Error(
        `notifications database has an unreadable schema version (${String(current)})`,
      );
    }
    if (current > MIGRATIONS.length) {
      throw new Error(
        `notifications database schema version ${current} is newer than this build supports (${MIGRATIONS.length}); upgrade the notifications service`,
      );
    }
    return current;
  };
  if (version() === MIGRATIONS.length) return;
  db.transaction(() => {
    const current = version();
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

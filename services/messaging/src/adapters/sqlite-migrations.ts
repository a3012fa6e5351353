import type Database from "better-sqlite3";

/**
 * Messaging's schema, one entry per version, applied in order and recorded in
 * `PRAGMA user_version`. Append new entries; never edit a released one.
 *
 * Several messaging instances may share one database file (WAL): everything that allocates a
 * number (`last_seq`, `last_offset`) is read and bumped inside one `BEGIN IMMEDIATE` write
 * transaction, so two instances can never hand out the same one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: channels, members, messages, mentions, reactions, idempotency keys, channel event logs.
  `
  CREATE TABLE channels (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('public', 'private', 'direct')),
    name            TEXT NOT NULL DEFAULT '',
    -- Lower-cased name of public and private channels (unique among live ones); NULL for direct.
    name_key        TEXT,
    topic           TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    archived_at     INTEGER,
    -- A deleted channel stays as a tombstone (no members, messages or name) until its event
    -- log has expired, so streams can still learn of the deletion and recovery can answer.
    deleted_at      INTEGER,
    -- Direct channels: the participants' ids, sorted, joined with ','; NULL otherwise.
    dm_key          TEXT,
    member_count    INTEGER NOT NULL DEFAULT 0,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER,
    epoch           TEXT NOT NULL,
    last_offset     INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE UNIQUE INDEX channels_name_key ON channels (name_key)
    WHERE name_key IS NOT NULL AND deleted_at IS NULL;
  CREATE UNIQUE INDEX channels_dm_key ON channels (dm_key)
    WHERE dm_key IS NOT NULL AND deleted_at IS NULL;
  CREATE INDEX channels_public ON channels (name, id) WHERE kind = 'public' AND deleted_at IS NULL;
  CREATE INDEX channels_deleted ON channels (deleted_at) WHERE deleted_at IS NOT NULL;

  CREATE TABLE members (
    channel_id      TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('member', 'owner')),
    joined_at       INTEGER NOT NULL,
    -- Offset of the membership_changed event that started this membership.
    joined_offset   INTEGER NOT NULL,
    last_read_seq   INTEGER NOT NULL DEFAULT 0,
    read_updated_at INTEGER,
    PRIMARY KEY (channel_id, user_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX members_user ON members (user_id, channel_id);

  CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    channel_id      TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_id       TEXT NOT NULL,
    text            TEXT NOT NULL,
    -- NULL for top-level messages.
    thread_root_id  TEXT,
    -- JSON array of resolved user ids, in order of first mention.
    mentions        TEXT NOT NULL DEFAULT '[]',
    reply_count     INTEGER NOT NULL DEFAULT 0,
    last_reply_at   INTEGER,
    idempotency_key TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted_at      INTEGER,
    deleted_by      TEXT,
    UNIQUE (channel_id, seq)
  ) STRICT;
  CREATE INDEX messages_view ON messages (channel_id, thread_root_id, seq);

  -- Who is mentioned where, for unread mention counts.
  CREATE TABLE mentions (
    user_id     TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    top_level   INTEGER NOT NULL,
    PRIMARY KEY (user_id, channel_id, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX mentions_message ON mentions (message_id);

  CREATE TABLE reactions (
    message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    -- The emoji's place on the message: taken from the emoji's other reactions while it has any,
    -- else after every emoji there (so an emoji keeps its place while anyone still uses it).
    position    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE idempotency_keys (
    author_id    TEXT NOT NULL,
    key          TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    -- SHA-256 of the request's channel, thread and text: a retry must match it.
    request_hash TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (author_id, key)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

  -- Every durable MessagingEvent, serialized, in its channel's order: the source of truth for
  -- live delivery (the bus only says "here is something new") and for stream recovery.
  CREATE TABLE channel_events (
    channel_id   TEXT NOT NULL,
    event_offset INTEGER NOT NULL,
    epoch        TEXT NOT NULL,
    event        BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (channel_id, event_offset)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX channel_events_created ON channel_events (created_at);
  `,
  // 2: a send writes fewer pages (bench/fanout/store-cost.ts prints pages per message).
  // - The thread view's index holds replies only: top-level pages read the (channel_id, seq)
  //   index and skip the replies in it, and a top-level message, most of what is sent, no longer
  //   writes a page of this index too.
  // - The event log is a rowid table with a unique (channel_id, event_offset) index. As a
  //   WITHOUT ROWID table, its rows (the serialized events) were large keys: few per page, and
  //   appending to each channel's range split pages often, rewriting their neighbours and
  //   parents. Now the rows go to the table's right edge, which all channels share, and the
  //   small index entries split rarely.
  // - The idempotency keys likewise: a client's keys are random, so each new one lands on a
  //   random page of the (author_id, key) index; small index entries split that page far less
  //   often than the whole rows did.
  `
  DROP INDEX messages_view;
  CREATE INDEX messages_thread ON messages (channel_id, thread_root_id, seq)
    WHERE thread_root_id IS NOT NULL;

  CREATE TABLE channel_events_v2 (
    channel_id   TEXT NOT NULL,
    event_offset INTEGER NOT NULL,
    epoch        TEXT NOT NULL,
    event        BLOB NOT NULL,
    created_at   INTEGER NOT NULL
  ) STRICT;
  INSERT INTO channel_events_v2 (channel_id, event_offset, epoch, event, created_at)
    SELECT channel_id, event_offset, epoch, event, created_at FROM channel_events
    ORDER BY created_at, channel_id, event_offset;
  DROP TABLE channel_events;
  ALTER TABLE channel_events_v2 RENAME TO channel_events;
  CREATE UNIQUE INDEX channel_events_offset ON channel_events (channel_id, event_offset);
  CREATE INDEX channel_events_created ON channel_events (created_at);

  CREATE TABLE idempotency_keys_v2 (
    author_id    TEXT NOT NULL,
    key          TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   INTEGER NOT NULL
  ) STRICT;
  INSERT INTO idempotency_keys_v2 (author_id, key, message_id, channel_id, request_hash,
                                   created_at)
    SELECT author_id, key, message_id, channel_id, request_hash, created_at
    FROM idempotency_keys ORDER BY created_at;
  DROP TABLE idempotency_keys;
  ALTER TABLE idempotency_keys_v2 RENAME TO idempotency_keys;
  CREATE UNIQUE INDEX idempotency_keys_key ON idempotency_keys (author_id, key);
  CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
  `,
  // 3: the notification outbox. A change that owes notifications (a message with mentions, a
  // reply, a direct message, an invite) records them in its own transaction; the relay sends
  // them to the notifications service and deletes them once it answered, retrying meanwhile.
  `
  CREATE TABLE notification_outbox (
    id              INTEGER PRIMARY KEY,
    -- JSON: what is owed (see NotificationIntent in ports.ts).
    intent          TEXT NOT NULL,
    -- JSON: the W3C trace context of the call that owed it ({} when it was not traced).
    trace           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- An instance sending it holds it until then; 0 when no one does.
    claimed_until   INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at);
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
      throw new Error(`messaging database has an unreadable schema version (${String(current)})`);
    }
    if (current > MIGRATIONS.length) {
      throw new Error(
        `messaging database schema version ${current} is newer than this build supports (${MIGRATIONS.length}); upgrade the messaging service`,
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

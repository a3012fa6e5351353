/**
 * The message history a Socket.IO chat server typically keeps, for the `socketio-sqlite` system:
 * one SQLite file shared by the instances (WAL, synchronous=NORMAL and a 5 s busy timeout, as
 * Parley's store), one synchronous transaction per message that takes the channel's next seq and
 * inserts the row. Nothing more: no idempotency keys, no event log or offsets, no read state, no
 * group commit. It is what "persist, then emit" costs at its simplest.
 */
import Database from "better-sqlite3";

export interface MessageLog {
  /** Stores one message and returns its seq in the channel. */
  append(id: string, channelId: string, authorId: string, text: string, createdAt: number): number;
  close(): void;
}

export function openMessageLog(file: string): MessageLog {
  const db = new Database(file);
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`
    CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS messages (
      id TEXT PRIMARY KEY,
      channel_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      author_id TEXT NOT NULL,
      text TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (channel_id, seq)
    );
  `);
  const nextSeq = db.prepare<[string], { last_seq: number }>(
    `INSERT INTO channels (id, last_seq) VALUES (?, 1)
     ON CONFLICT (id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
  );
  const insert = db.prepare(
    "INSERT INTO messages (id, channel_id, seq, author_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const append = db.transaction(
    (id: string, channelId: string, authorId: string, text: string, createdAt: number) => {
      const seq = (nextSeq.get(channelId) as { last_seq: number }).last_seq;
      insert.run(id, channelId, seq, authorId, text, createdAt);
      return seq;
    },
  );
  return {
    append: (id, channelId, authorId, text, createdAt) =>
      append.immediate(id, channelId, authorId, text, createdAt),
    close: () => db.close(),
  };
}

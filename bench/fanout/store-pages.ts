/**
 * `node --import tsx bench/fanout/store-pages.ts`: how many database pages SendMessage's SQLite
 * write dirties per message, by how many messages share a commit (1, 4, 16, 64), and which
 * tables and indexes those pages belong to. Every dirtied page is written to the WAL at commit
 * (a frame: two `pwrite`s and a checksum over 4 KiB) and again into the database file by the next
 * checkpoint, so this is the store's I/O per message. Unlike CPU time it hardly depends on what
 * else the machine is doing: a figure to compare schema changes by.
 *
 * Workload: 50 channels of 8 members, top-level messages to channel i mod 50 from member i mod 8,
 * random idempotency keys (as clients send them), after 30,000 messages of warm-up.
 */
import { randomUUID } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { newMessageId } from "../../services/messaging/src/message-id.js";
import { createBenchChannel, openBenchStore } from "./store-setup.js";

const WAL_HEADER = 32;
const PAGE = 4096;
const FRAME = 24 + PAGE;

const dir = mkdtempSync(join(tmpdir(), "parley-store-pages-"));
const file = join(dir, "messaging.db");
// No checkpoints during the run (see the reader below): the WAL only grows.
const store = openBenchStore(file, { checkpointer: { intervalMs: 2 ** 31 - 1 } });
const members = Array.from({ length: 8 }, () => randomUUID());
const channels: string[] = [];
for (let c = 0; c < 50; c++) channels.push(await createBenchChannel(store, `pages-${c}`, members));
const send = async (i: number) => {
  const now = Date.now();
  const result = await store.messages.sendMessage({
    id: newMessageId(now),
    channelId: channels[i % channels.length]!,
    authorId: members[i % members.length]!,
    text: `message ${i} with some ordinary text in it, about sixty bytes`,
    threadRootId: null,
    mentionCandidates: [],
    idempotencyKey: randomUUID(),
    requestHash: "h",
    now,
  });
  if (result.kind !== "ok") throw new Error(`sendMessage: ${result.kind}`);
};
let sent = 0;
const sendBatch = (size: number) => Promise.all(Array.from({ length: size }, () => send(sent++))); // one commit: one turn
for (let i = 0; i < 30_000 / 16; i++) await sendBatch(16);

// A reader holding a snapshot keeps SQLite from restarting the WAL (its automatic checkpoints
// still run, but cannot reset the log under a reader), so frames only append.
const reader = new Database(file, { readonly: true });
reader.exec("BEGIN");
reader.prepare("SELECT COUNT(*) FROM channels").get();
const walBytes = () => statSync(`${file}-wal`).size;

/** Page numbers of the frames appended to the WAL between two sizes. */
function framesBetween(from: number, to: number): number[] {
  const fd = openSync(`${file}-wal`, "r");
  try {
    const pages: number[] = [];
    const header = Buffer.alloc(4);
    const first = Math.max(from, WAL_HEADER);
    for (let at = first; at + FRAME <= to; at += FRAME) {
      readSync(fd, header, 0, 4, at);
      pages.push(header.readUInt32BE(0));
    }
    return pages;
  } finally {
    closeSync(fd);
  }
}

console.log("messages per commit   pages per commit   pages per message");
let breakdown: number[] = [];
for (const size of [1, 4, 16, 64]) {
  const commits = Math.ceil(2048 / size);
  const before = walBytes();
  for (let c = 0; c < commits; c++) await sendBatch(size);
  const pages = framesBetween(before, walBytes());
  if (size === 16) breakdown = pages.slice(-pages.length / commits);
  console.log(
    `${String(size).padStart(19)}   ${(pages.length / commits).toFixed(1).padStart(16)}   ${(pages.length / (commits * size)).toFixed(2).padStart(17)}`,
  );
}
reader.exec("COMMIT");

// Which b-trees one 16-message commit wrote (dbstat maps page numbers to tables and indexes).
const names = new Map<number, string>();
for (const row of reader
  .prepare<[], { name: string; pageno: number; pagetype: string }>(
    "SELECT name, pageno, pagetype FROM dbstat",
  )
  .all()) {
  names.set(row.pageno, `${row.name} (${row.pagetype})`);
}
const byTree = new Map<string, number>();
for (const page of breakdown) {
  const name = names.get(page) ?? "free or new page";
  byTree.set(name, (byTree.get(name) ?? 0) + 1);
}
console.log("\nthe last 16-message commit's pages, by table or index:");
for (const [name, n] of [...byTree].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${String(n).padStart(3)}  ${name}`);
}
reader.close();
await store.close();
rmSync(dir, { recursive: true, force: true });

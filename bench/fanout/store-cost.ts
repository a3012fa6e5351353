/**
 * `node --import tsx bench/fanout/store-cost.ts [--processes=2]`: what SendMessage's SQLite
 * write costs on its own, in µs of CPU per message (best of five rounds per level of
 * concurrency), on a file in a temp folder. With `--processes=2`, a second process sends to the
 * same file at the same time, as two messaging instances sharing one database do (each then
 * finds its page cache stale after the other's commits, and waits for its write lock).
 * A quick check for changes to the store; the fan-out benchmark measures the whole path.
 */
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newMessageId } from "../../services/messaging/src/message-id.js";
import { createBenchChannel, openBenchStore } from "./store-setup.js";

interface Setup {
  readonly file: string;
  readonly channelId: string;
  readonly members: string[];
}

const role = process.argv.find((a) => a.startsWith("--peer="))?.slice("--peer=".length);
const processes = Number(
  process.argv.find((a) => a.startsWith("--processes="))?.slice("--processes=".length) ?? 1,
);

async function main(): Promise<void> {
  if (role) {
    await measure(JSON.parse(role) as Setup, `peer ${process.pid}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "parley-store-cost-"));
  const file = join(dir, "messaging.db");
  const store = openBenchStore(file);
  const members = Array.from({ length: 27 }, () => randomUUID());
  const channelId = await createBenchChannel(store, "cost", members);
  store.close();
  const setup: Setup = { file, channelId, members };
  const peers = Array.from({ length: processes - 1 }, () =>
    fork(fileURLToPath(import.meta.url), [`--peer=${JSON.stringify(setup)}`], {
      execArgv: process.execArgv,
    }),
  );
  await Promise.all([
    measure(setup, processes > 1 ? `main ${process.pid}` : "one process"),
    ...peers.map((p) => new Promise((resolve) => p.once("exit", resolve))),
  ]);
  rmSync(dir, { recursive: true, force: true });
}

async function measure(setup: Setup, label: string): Promise<void> {
  const store = openBenchStore(setup.file);
  const { channelId, members } = setup;
  const sender = async (take: () => number) => {
    for (let i = take(); i >= 0; i = take()) {
      const author = members[i % members.length]!;
      const key = randomUUID();
      if ((await store.messages.findIdempotencyKey(author, key)) !== undefined) throw new Error();
      const result = await store.messages.sendMessage({
        id: newMessageId(),
        channelId,
        authorId: author,
        text: `message ${i} with some ordinary text in it, about sixty bytes`,
        threadRootId: null,
        mentionCandidates: [],
        idempotencyKey: key,
        requestHash: "h",
        now: Date.now(),
      });
      if (result.kind !== "ok") throw new Error(`sendMessage: ${result.kind}`);
    }
  };
  /** `n` messages from `inFlight` concurrent senders (as a busy instance's SendMessage calls). */
  const send = async (n: number, inFlight: number) => {
    let next = 0;
    const take = () => (next < n ? next++ : -1);
    await Promise.all(Array.from({ length: inFlight }, () => sender(take)));
  };
  await send(3000, 4); // warm-up, and past the kept window of events (trimming on)
  // Best of five rounds per level: other programs on the machine only ever add to a figure.
  const best = new Map<number, { cpu: number; sys: number; wall: number }>();
  for (let round = 0; round < 5; round++) {
    for (const inFlight of [1, 4, 16]) {
      const n = 3000;
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      await send(n, inFlight);
      const used = process.cpuUsage(cpu);
      const wall = ((performance.now() - t0) * 1000) / n;
      const figure = { cpu: (used.user + used.system) / n, sys: used.system / n, wall };
      const previous = best.get(inFlight);
      if (!previous || figure.cpu < previous.cpu) best.set(inFlight, figure);
    }
  }
  store.close();
  for (const [inFlight, f] of best) {
    console.log(
      `${label}: ${String(inFlight).padStart(2)} in flight: ${f.cpu.toFixed(1)} µs CPU per message (${f.sys.toFixed(1)} system), ${f.wall.toFixed(1)} µs wall (best of 5 rounds of 3,000)`,
    );
  }
}

await main();

/**
 * `node --import tsx bench/fanout/send-cost.ts`: the server CPU one SendMessage costs on one
 * messaging instance (serve(), interceptors, handler, SQLite, no subscribers), driven over gRPC
 * by this process with 1, 8 and 32 calls in flight; best of five rounds per level (other
 * programs on a shared machine only ever add to a figure). Server pinned to the last core,
 * this process to the first, as in the other benchmarks. `--profile=<dir>` writes the server's
 * CPU profile there.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { startChild } from "../lib/child.js";
import { planCpus } from "../lib/cpus.js";

const profileDir = process.argv.find((a) => a.startsWith("--profile="))?.slice(10);
const cores = planCpus(true);
const server = await startChild({
  script: "bench/fanout/servers/messaging-alone.ts",
  core: cores.serverCore,
  // `--profile=<dir>`: a CPU profile of the server (the whole run).
  nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  discardStdout: true,
});
try {
  const client = createClient(
    MessagingService,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }),
  );
  const members = Array.from({ length: 8 }, () => randomUUID());
  const as = (id: string) => ({ headers: { authorization: `Bearer user:${id}` } });
  const created = await client.createChannel(
    { kind: 1, name: `cost-${Date.now().toString(36)}` },
    as(members[0]!),
  );
  const channelId = created.channel?.channel?.id ?? "";
  for (const member of members.slice(1)) await client.joinChannel({ channelId }, as(member));

  const send = async (n: number, inFlight: number) => {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < n; i = next++) {
        await client.sendMessage(
          {
            channelId,
            text: `message ${i} with some ordinary text in it, about sixty bytes`,
            idempotencyKey: randomUUID(),
          },
          as(members[i % members.length]!),
        );
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  };
  await send(2000, 8);
  const best = new Map<number, { us: number; rate: number }>();
  for (let round = 0; round < 5; round++) {
    for (const inFlight of [1, 8, 32]) {
      const n = 1500;
      await server.cpu.start();
      const t0 = performance.now();
      await send(n, inFlight);
      const wall = performance.now() - t0;
      const { cpuMs } = await server.cpu.end();
      const figure = { us: (cpuMs * 1000) / n, rate: (n * 1000) / wall };
      const previous = best.get(inFlight);
      if (!previous || figure.us < previous.us) best.set(inFlight, figure);
    }
  }
  console.log(`cores: ${cores.description}`);
  for (const [inFlight, f] of best) {
    console.log(
      `${String(inFlight).padStart(2)} in flight: ${f.us.toFixed(0)} µs server CPU per SendMessage (${f.rate.toFixed(0)}/s; best of 5 rounds of 1,500)`,
    );
  }
} finally {
  await server.stop();
}
process.exit(0);

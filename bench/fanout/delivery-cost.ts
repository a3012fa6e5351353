/**
 * `node --import tsx bench/fanout/delivery-cost.ts`: what one live delivery costs a messaging
 * instance, next to what the send costs. One instance (`servers/messaging-alone.ts`, as
 * `send-cost.ts` uses), one channel with K members, each with a Subscribe stream (20 streams per
 * HTTP/2 connection, as in the fan-out benchmark), over the bench's own gRPC client; one member
 * sends 1,500 messages with 32 in flight, and the server's CPU per send is taken once every
 * delivery has arrived. Measured with K = 1 (the author's own stream) and K = 101; the
 * difference divided by 100 is the CPU of one delivery. Best of five rounds per K.
 *
 * With 32 sends in flight to one channel the group commit batches them, so each stream gets
 * several events per write: this is the cost of a delivery on a busy channel, the cheapest case.
 *
 * Flags: `--members=K` (default 101), `--in-flight=N` (default 32; 1 gives every event a write
 * of its own, as on a quiet channel), `--streams-per-connection=S` (default 20),
 * `--profile=<dir>` (a CPU profile of the server, whole run). At 1 in flight the per-send figure
 * moves by 100 µs between runs, so a small K says little: compare with K = 101 or more.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  CreateChannelRequestSchema,
  CreateChannelResponseSchema,
  JoinChannelRequestSchema,
  SendMessageRequestSchema,
  SubscribeRequestSchema,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { startChild } from "../lib/child.js";
import { planCpus } from "../lib/cpus.js";
import { GrpcLiteConnection } from "./grpc-lite.js";

const flag = (name: string, fallback: number) => {
  const value = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer`);
  return n;
};
const profileDir = process.argv.find((a) => a.startsWith("--profile="))?.slice(10);
const ROUNDS = 5;
const SENDS = 1_500;
const IN_FLIGHT = flag("in-flight", 32);
const STREAMS_PER_CONNECTION = flag("streams-per-connection", 20);
const MEMBERS = flag("members", 101);

const path = (method: string) => `/parley.messaging.v1.MessagingService/${method}`;
/** messaging-alone.ts takes `user:<id>` as the access token of user <id>. */
const as = (userId: string) => ({ authorization: `Bearer user:${userId}` });
const bytes = <D extends DescMessage>(schema: D, init: Parameters<typeof create<D>>[1]) =>
  toBinary(schema, create(schema, init) as MessageShape<D>);

const cores = planCpus(true);
const server = await startChild({
  script: "bench/fanout/servers/messaging-alone.ts",
  core: cores.serverCore,
  // `--profile=<dir>`: a CPU profile of the server (the whole run).
  nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  discardStdout: true,
});
const base = `http://127.0.0.1:${server.port}`;
const control = new GrpcLiteConnection(base);

/** Server CPU per send, in µs, with `k` members streaming (best of ROUNDS). */
async function perSend(k: number): Promise<number> {
  const members = Array.from({ length: k }, () => randomUUID());
  const author = members[0] ?? "";
  const created = fromBinary(
    CreateChannelResponseSchema,
    await control.unary(
      path("CreateChannel"),
      as(author),
      bytes(CreateChannelRequestSchema, { kind: 1, name: `cost-${randomUUID().slice(0, 8)}` }),
    ),
  );
  const channelId = created.channel?.channel?.id ?? "";
  for (const member of members.slice(1)) {
    await control.unary(
      path("JoinChannel"),
      as(member),
      bytes(JoinChannelRequestSchema, { channelId }),
    );
  }

  const connections = Array.from(
    { length: Math.ceil(k / STREAMS_PER_CONNECTION) },
    () => new GrpcLiteConnection(base),
  );
  const streams = new AbortController();
  setMaxListeners(k + 1, streams.signal);
  let received = 0;
  for (const [i, member] of members.entries()) {
    connections[Math.floor(i / STREAMS_PER_CONNECTION)]
      ?.serverStream(
        path("Subscribe"),
        as(member),
        bytes(SubscribeRequestSchema, {}),
        () => received++,
        streams.signal,
      )
      .catch(() => {});
  }
  const sender = new GrpcLiteConnection(base);
  const send = async (n: number) => {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < n; i = next++) {
        await sender.unary(
          path("SendMessage"),
          as(author),
          bytes(SendMessageRequestSchema, {
            channelId,
            text: `message ${i} with some ordinary text in it, about sixty bytes`,
            idempotencyKey: randomUUID(),
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  try {
    // A stream's first event is `subscribed`: every stream is live once k events arrived.
    for (let waited = 0; received < k; waited += 25) {
      if (waited > 15_000) throw new Error(`only ${received} of ${k} streams are open`);
      await sleep(25);
    }
    await send(1_000); // warm-up
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(200);
      const before = received;
      await server.cpu.start();
      await send(SENDS);
      // Each send owes one message per member, plus the author's read position (an event on
      // the author's stream): at least SENDS * k events.
      for (let waited = 0; received - before < SENDS * k; waited += 10) {
        if (waited > 30_000) throw new Error(`deliveries missing at K=${k}`);
        await sleep(10);
      }
      const { cpuMs } = await server.cpu.end();
      best = Math.min(best, (cpuMs * 1000) / SENDS);
    }
    return best;
  } finally {
    streams.abort();
    sender.close();
    for (const connection of connections) connection.close();
  }
}

try {
  const alone = await perSend(1);
  const fanned = await perSend(MEMBERS);
  console.log(`cores: ${cores.description}`);
  console.log(`  1 stream:   ${alone.toFixed(0)} µs server CPU per send`);
  console.log(
    `${String(MEMBERS).padStart(3)} streams:  ${fanned.toFixed(0)} µs server CPU per send`,
  );
  console.log(
    `one delivery: ${((fanned - alone) / (MEMBERS - 1)).toFixed(1)} µs server CPU (${SENDS.toLocaleString("en")} sends, ${IN_FLIGHT} in flight, ${STREAMS_PER_CONNECTION} streams per connection, best of ${ROUNDS} rounds)`,
  );
} finally {
  control.close();
  await server.stop();
}
process.exit(0);

import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { type MessagingEvent, RecoveryStatus } from "@parley/gen/parley/messaging/v1/events_pb.js";
import {
  MessagingService,
  SendMessageRequestSchema,
  SendMessageResponseSchema,
  SubscribeRequestSchema,
  SubscribeResponseSchema,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { ServerChild } from "../lib/child.js";
import { procCpuProbe } from "../lib/proc-cpu.js";
import { GrpcLiteConnection } from "./grpc-lite.js";
import type { DeliverySink, FanoutSystem, ServerProcess, SystemCounters } from "./system.js";
import type { WorkloadPlan } from "./workload.js";

/** A registered account the subscribers and publishers act as. */
export interface BenchUser {
  readonly id: string;
  readonly accessToken: string;
}

type Messaging = Client<typeof MessagingService>;

const SUBSCRIBE_PATH = `/${MessagingService.typeName}/${MessagingService.method.subscribe.name}`;
const SEND_PATH = `/${MessagingService.typeName}/${MessagingService.method.sendMessage.name}`;

export interface ParleyFanoutOptions {
  readonly plan: WorkloadPlan;
  readonly users: readonly BenchUser[];
  /** The two messaging instances (children), A first. */
  readonly instances: readonly [ServerChild, ServerChild];
  /** Other server-side processes whose CPU counts (Redis). */
  readonly extraProcesses: readonly ServerProcess[];
  readonly streamsPerConnection: number;
  readonly sink: DeliverySink;
  /**
   * The client the subscribers and publishers use: `lite` (the bench's own gRPC client over
   * node:http2, see grpc-lite.ts) or `connect` (connect-node's createGrpcTransport). Both speak
   * gRPC and decode every event in full; setup always uses connect.
   */
  readonly client: "lite" | "connect";
}

/** Parley's side: channels created over the API, one Subscribe stream per subscriber. */
export interface ParleyFanout extends FanoutSystem {
  /** Channel ids by plan index. */
  readonly channelIds: readonly string[];
  readonly connections: number;
}

/**
 * Sets Parley's side up through its public API and opens every subscriber's stream:
 *
 * - channels are public, created on instance A by their first member, and joined by the
 *   others (JoinChannel); every subscriber is a member of the busy channel and of its small
 *   channels;
 * - subscriber `i` talks to instance `i % 2` through connect-node's `createGrpcTransport` (gRPC
 *   over h2c); the subscribers of one instance share HTTP/2 connections, `streamsPerConnection`
 *   streams each (one `Http2SessionManager` per connection), and each subscriber's SendMessage
 *   calls go over its own stream's connection;
 * - a stream that ends (slow reader, shutdown) is reopened with the last epoch/offset it applied
 *   per channel, as a real client does, so the server replays what it missed.
 *
 * Resolves once every stream has received `subscribed`.
 */
export async function startParleyFanout(options: ParleyFanoutOptions): Promise<ParleyFanout> {
  const { plan, users, instances, sink } = options;
  const auth = users.map((u) => ({ headers: { authorization: `Bearer ${u.accessToken}` } }));

  // One client (= one HTTP/2 connection) per group of subscribers on each instance.
  const clients = new Map<string, Messaging>();
  const sessions: Http2SessionManager[] = [];
  const groupOf = (subscriber: number) => {
    const instance = subscriber % 2;
    const group = Math.floor(Math.floor(subscriber / 2) / options.streamsPerConnection);
    return { instance, key: `${instance}/${group}` };
  };
  const liteConnections = new Map<string, GrpcLiteConnection>();
  const liteOf = (subscriber: number): GrpcLiteConnection => {
    const { instance, key } = groupOf(subscriber);
    let connection = liteConnections.get(key);
    if (!connection) {
      connection = new GrpcLiteConnection(`http://127.0.0.1:${instances[instance]!.port}`);
      liteConnections.set(key, connection);
    }
    return connection;
  };
  const clientOf = (subscriber: number): Messaging => {
    const { instance, key } = groupOf(subscriber);
    let client = clients.get(key);
    if (!client) {
      const baseUrl = `http://127.0.0.1:${instances[instance]!.port}`;
      const sessionManager = new Http2SessionManager(baseUrl, {
        idleConnectionTimeoutMs: 3_600_000,
      });
      sessions.push(sessionManager);
      const transport = createGrpcTransport({ baseUrl, sessionManager });
      client = createClient(MessagingService, transport);
      clients.set(key, client);
    }
    return client;
  };

  // Channels: created on instance A by their first member; the others join them (JoinChannel,
  // spread over both instances). AddMembers / CreateChannel with members would have messaging
  // look the people up in auth (LookupUsers), which auth grants messaging's mesh identity only:
  // with plaintext h2c there is no identity, so the bench sticks to calls made as the person.
  const stamp = Date.now().toString(36);
  const channelIds: string[] = [];
  const joins: { channel: number; subscriber: number }[] = [];
  for (const channel of plan.channels) {
    const [owner, ...rest] = channel.members;
    if (owner === undefined) {
      channelIds.push(randomUUID());
      continue;
    }
    const created = await clientOf(0).createChannel(
      { kind: 1, name: `fanout-${stamp}-${channel.name}` },
      auth[owner],
    );
    const id = created.channel?.channel?.id;
    if (!id) throw new Error("CreateChannel returned no channel");
    channelIds.push(id);
    for (const subscriber of rest) joins.push({ channel: channel.index, subscriber });
  }
  let nextJoin = 0;
  const joiner = async () => {
    while (nextJoin < joins.length) {
      const { channel, subscriber } = joins[nextJoin++]!;
      await clientOf(subscriber).joinChannel({ channelId: channelIds[channel]! }, auth[subscriber]);
    }
  };
  await Promise.all(Array.from({ length: 16 }, joiner));

  let reconnects = 0;
  let lastReconnectReason: string | undefined;
  let closing = false;
  const abort = new AbortController();
  // Every subscriber's stream listens to it.
  setMaxListeners(Number.POSITIVE_INFINITY, abort.signal);
  const readies: Promise<void>[] = [];
  const loops: Promise<void>[] = [];

  for (let i = 0; i < plan.subscribers; i++) {
    const client = clientOf(i);
    const positions = new Map<string, { epoch: string; offset: bigint }>();
    let ready = () => {};
    readies.push(
      new Promise<void>((resolve) => {
        ready = resolve;
      }),
    );
    const onEvent = (event: MessagingEvent | undefined) => {
      if (!event) return;
      const payload = event.payload;
      if (payload.case === "messageCreated") {
        sink.message(payload.value.message?.text ?? "", performance.now());
      } else {
        sink.other();
      }
      if (event.offset > 0n) {
        positions.set(event.channelId, { epoch: event.epoch, offset: event.offset });
      } else if (payload.case === "subscribed") {
        for (const channel of payload.value.channels) {
          // Recovered channels continue from our position; the others start at the head.
          if (channel.recovery !== RecoveryStatus.RECOVERED || !positions.has(channel.channelId)) {
            positions.set(channel.channelId, { epoch: channel.epoch, offset: channel.offset });
          }
        }
        ready();
      }
    };
    const loop = async () => {
      while (!closing) {
        const request = [...positions].map(([channelId, p]) => ({
          channelId,
          epoch: p.epoch,
          offset: p.offset,
        }));
        try {
          if (options.client === "lite") {
            await liteOf(i).serverStream(
              SUBSCRIBE_PATH,
              { authorization: `Bearer ${users[i]!.accessToken}` },
              toBinary(
                SubscribeRequestSchema,
                create(SubscribeRequestSchema, { positions: request }),
              ),
              (bytes) => onEvent(fromBinary(SubscribeResponseSchema, bytes).event),
              abort.signal,
            );
          } else {
            for await (const res of client.subscribe(
              { positions: request },
              { ...auth[i], signal: abort.signal },
            )) {
              onEvent(res.event);
            }
          }
          if (closing) return;
          reconnects++;
          lastReconnectReason = "stream ended";
        } catch (err) {
          if (closing) return;
          reconnects++;
          lastReconnectReason = ConnectError.from(err).message;
          await sleep(20);
        }
      }
    };
    loops.push(loop());
  }
  await Promise.race([
    Promise.all(readies),
    sleep(30_000, undefined, { ref: false }).then(() => {
      throw new Error("Parley subscribers were not all subscribed within 30 s");
    }),
  ]);

  return {
    id: "parley",
    label: "Parley (2 messaging instances)",
    channelIds,
    connections: options.client === "lite" ? liteConnections.size : clients.size,
    processes: [
      { label: "messaging A", cpu: procCpuProbe(instances[0].pid) },
      { label: "messaging B", cpu: procCpuProbe(instances[1].pid) },
      ...options.extraProcesses,
    ],
    send(channel, author, text) {
      const request = { channelId: channelIds[channel]!, text, idempotencyKey: randomUUID() };
      if (options.client === "lite") {
        return liteOf(author)
          .unary(
            SEND_PATH,
            { authorization: `Bearer ${users[author]!.accessToken}` },
            toBinary(SendMessageRequestSchema, create(SendMessageRequestSchema, request)),
          )
          .then((bytes) => {
            fromBinary(SendMessageResponseSchema, bytes);
          });
      }
      return clientOf(author)
        .sendMessage(request, auth[author])
        .then(() => undefined);
    },
    counters(): SystemCounters {
      return { reconnects, lastReconnectReason };
    },
    async close() {
      closing = true;
      abort.abort();
      await Promise.allSettled(loops);
      for (const session of sessions) session.abort();
      for (const connection of liteConnections.values()) connection.close();
    },
  };
}

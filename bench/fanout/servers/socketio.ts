/**
 * Server child: the stack Parley replaces, as such chat back ends are usually built. A Socket.IO
 * 4 server (websocket transport only) with `@socket.io/redis-adapter` on ioredis, so a broadcast
 * to a room reaches the sockets of every instance through Redis pub/sub. Rooms are channels.
 *
 * - Handshake: the client's access token (`auth.token`) is verified once per connection with the
 *   mesh's token verifier on auth's JWKS, as Parley's instances verify them; the socket joins the
 *   rooms of that user's channels, read from the membership file the runner wrote
 *   (BENCH_FANOUT_MEMBERSHIP: `{ "<userId>": ["<channelId>", ...] }`), standing in for the
 *   database such a server would read them from.
 * - `send` ({ channelId, text }, ack): refused unless the user is a member and the text is 1 to
 *   4,000 characters; otherwise the message (a new id, the author, the text, a timestamp) is
 *   broadcast to the room, the sender's own socket included (Parley delivers to the author's
 *   streams too), and the ack returns it.
 *
 * It persists nothing: no message store, no offsets, nothing to recover from after a disconnect.
 * Parley writes every message to SQLite, with its seq and event offset, before it acknowledges.
 *
 * With BENCH_SOCKETIO_STORE (a SQLite file both servers share; the `socketio-sqlite` system), each
 * accepted message is first written, as a Socket.IO chat that keeps history would: one
 * transaction takes the channel's next seq and inserts the message (WAL, synchronous=NORMAL, as
 * Parley's store), then the message goes out with its seq. Still no idempotency keys, event
 * offsets, read state or group commit: see sqlite-message-log.ts.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connectTo, createTokenVerifier } from "@parley/mesh";
import { authJwksSource } from "@parley/messaging";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { runServerChild } from "../../lib/child-protocol.js";
import { openMessageLog } from "./sqlite-message-log.js";

interface SendRequest {
  readonly channelId?: unknown;
  readonly text?: unknown;
}

runServerChild(async () => {
  const redisUrl = required("BENCH_REDIS_URL");
  const authUrl = required("PARLEY_AUTH_URL");
  const membership = JSON.parse(
    readFileSync(required("BENCH_FANOUT_MEMBERSHIP"), "utf8"),
  ) as Record<string, string[]>;
  const members = new Map<string, Set<string>>();
  for (const [userId, channelIds] of Object.entries(membership)) {
    for (const channelId of channelIds) {
      const set = members.get(channelId) ?? new Set<string>();
      set.add(userId);
      members.set(channelId, set);
    }
  }
  const storeFile = process.env.BENCH_SOCKETIO_STORE;
  const log = storeFile ? openMessageLog(storeFile) : undefined;
  const tokens = createTokenVerifier({ jwks: authJwksSource(connectTo({ baseUrl: authUrl })) });

  const pubClient = new Redis(redisUrl, { connectionName: "socketio-pub" });
  const subClient = pubClient.duplicate({ connectionName: "socketio-sub" });
  const http = createServer();
  const io = new Server(http, {
    transports: ["websocket"],
    serveClient: false,
    // Its own Redis channel prefix: the other Socket.IO pair (the other variant) shares this Redis.
    adapter: createAdapter(pubClient, subClient, { key: required("BENCH_SOCKETIO_KEY") }),
  });

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token !== "string") return next(new Error("unauthenticated"));
    tokens.verify(token).then(
      (user) => {
        socket.data.userId = user.id;
        next();
      },
      () => next(new Error("unauthenticated")),
    );
  });

  io.on("connection", (socket) => {
    const userId = socket.data.userId as string;
    socket.join(membership[userId] ?? []);
    socket.on("send", (req: SendRequest, ack: unknown) => {
      if (typeof ack !== "function") return;
      const { channelId, text } = req ?? {};
      if (typeof channelId !== "string" || typeof text !== "string") {
        return ack({ error: "invalid_argument" });
      }
      if (text.length < 1 || text.length > 4000 || !/\S/.test(text)) {
        return ack({ error: "invalid_argument" });
      }
      if (!members.get(channelId)?.has(userId)) return ack({ error: "permission_denied" });
      const id = randomUUID();
      const createdAt = Date.now();
      const seq = log?.append(id, channelId, userId, text, createdAt);
      const message = {
        id,
        channelId,
        seq,
        authorUserId: userId,
        text,
        createdAt: new Date(createdAt).toISOString(),
      };
      io.to(channelId).emit("message", message);
      ack({ message });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (http.address() as AddressInfo).port,
    async close() {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await Promise.all([pubClient.quit().catch(() => {}), subClient.quit().catch(() => {})]);
      log?.close();
    },
  };
});

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this child is started by bench/fanout/run.ts)`);
  return value;
}

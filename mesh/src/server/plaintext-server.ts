import { createServer as createHttp1Server, type RequestListener } from "node:http";
import { createServer as createH2cServer, type Http2Server } from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";

/** The first bytes of every HTTP/2 connection (RFC 9113 §3.4): "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface PlaintextServer {
  readonly net: Server;
  readonly h2: Http2Server;
  /**
   * Stops HTTP/1.1 keep-alive: idle connections close now, busy ones once their response is sent.
   * (Node's own closeIdleConnections() only tracks connections of servers that listen themselves.)
   */
  closeHttp1Gracefully(): void;
  /** Cuts every HTTP/1.1 connection (end of the drain period). */
  destroyHttp1(): void;
}

/**
 * One plaintext port for both browsers (HTTP/1.1; they never speak h2c) and gRPC clients (h2c
 * with prior knowledge). Each connection's first bytes are compared with the HTTP/2 preface and
 * the connection is handed to the matching server with those bytes put back.
 */
export function createPlaintextServer(handler: RequestListener): PlaintextServer {
  const h2 = createH2cServer(handler as never);
  const http1 = createHttp1Server(handler);
  http1.keepAliveTimeout = 65_000;
  const busy = new Map<Socket, number>();
  let closing = false;

  http1.on("request", (req, res) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    if (closing) res.setHeader("connection", "close");
    res.once("close", () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (closing && left === 0) socket.destroySoon();
    });
  });

  const toHttp1 = (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    busy.set(socket, 0);
    socket.once("close", () => busy.delete(socket));
    http1.emit("connection", socket);
    socket.resume();
  };

  const net = createNetServer((socket) => route(socket, h2, toHttp1));
  return {
    net,
    h2,
    closeHttp1Gracefully() {
      closing = true;
      for (const [socket, inFlight] of busy) if (inFlight === 0) socket.destroySoon();
    },
    destroyHttp1() {
      for (const socket of busy.keys()) socket.destroy();
    },
  };
}

function route(socket: Socket, h2: Http2Server, toHttp1: (socket: Socket) => void) {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2 && n < H2_PREFACE.length) return; // wait for the rest of the preface
    socket.off("data", onData);
    socket.off("error", onError);
    socket.pause();
    socket.unshift(seen);
    if (isH2) {
      // The HTTP/2 session reads what is already buffered on the socket itself (next tick), so
      // the socket must stay paused: flowing data with no listener would be lost.
      h2.emit("connection", socket);
    } else {
      toHttp1(socket);
    }
  };
  const onError = () => socket.destroy();
  socket.on("data", onData);
  socket.on("error", onError);
}

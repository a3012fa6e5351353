import { createServer as createHttp1Server, type RequestListener } from "node:http";
import { createServer as createH2cServer, type Http2Server } from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";

/** The first bytes of every HTTP/2 connection (RFC 9113 §3.4): "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface PlaintextServer {
  readonly net: Server;
  readonly h2: Http2Server;
  readonly http1: ReturnType<typeof createHttp1Server>;
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
  const net = createNetServer((socket) => route(socket, h2, http1));
  return { net, h2, http1 };
}

function route(socket: Socket, h2: Http2Server, http1: ReturnType<typeof createHttp1Server>) {
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
      http1.emit("connection", socket);
      socket.resume();
    }
  };
  const onError = () => socket.destroy();
  socket.on("data", onData);
  socket.on("error", onError);
}

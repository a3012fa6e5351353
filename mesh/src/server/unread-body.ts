import type { IncomingMessage, ServerResponse } from "node:http";

/** Past this many unread bytes, an answered HTTP/1.1 request's connection is closed, not drained. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;

/**
 * HTTP/1.1 carries one request after another on a connection: when a request is answered before
 * its body was read to the end (a refused call, a message over the size limit), the rest of that
 * body stands in front of the next request. Node discards it only when nothing had started
 * reading the body; connect stops reading midway and destroys the request, after which Node
 * pauses the connection for good: the client's next request on it would never be answered.
 *
 * So once such an answer is sent, the rest of the body is read and discarded (up to
 * {@link MAX_DRAIN_BYTES}), or, when the request can no longer be read, the connection is closed
 * (after the answer): the client's next request then goes over a new one.
 */
export function releaseUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  res.once("finish", () => {
    if (req.complete) return;
    if (req.destroyed) {
      socket.destroySoon();
      return;
    }
    let drained = 0;
    req.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAIN_BYTES) socket.destroy();
    });
    req.resume();
  });
}

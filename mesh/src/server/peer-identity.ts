import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, Http2Session } from "node:http2";
import type { TLSSocket } from "node:tls";
import type { PeerService } from "../context.js";
import { peerServiceFromCertificate } from "../pki/index.js";

const bySession = new WeakMap<Http2Session, PeerService | undefined>();

/**
 * The calling service's identity from the verified client certificate of this request's TLS
 * connection (cached per HTTP/2 session), or undefined on plaintext connections.
 */
export function peerOf(req: IncomingMessage | Http2ServerRequest): PeerService | undefined {
  const session = "stream" in req ? req.stream.session : undefined;
  if (session && bySession.has(session)) return bySession.get(session);
  const socket = (session?.socket ?? req.socket) as Partial<TLSSocket>;
  const cert = socket.authorized ? socket.getPeerCertificate?.() : undefined;
  const peer = cert && Object.keys(cert).length > 0 ? peerServiceFromCertificate(cert) : undefined;
  if (session) bySession.set(session, peer);
  return peer;
}

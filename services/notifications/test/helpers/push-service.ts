import { createPublicKey, verify } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createMeshCa, issueServiceCertificate } from "@parley/mesh";

/** One request the push service received. */
export interface ReceivedPush {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/**
 * A push service (RFC 8030) on 127.0.0.1 over HTTPS with its own CA, standing in for FCM or
 * Mozilla's autopush: it records every message and answers what the test says per path (201 by
 * default). Tests decrypt the bodies with the browser's keys and check the VAPID header.
 */
export interface LocalPushService {
  /** `https://localhost:<port>` */
  readonly origin: string;
  /** The CA that signed the service's certificate (the sender must trust it). */
  readonly caPem: string;
  readonly received: ReceivedPush[];
  /** Answers for a path, used in order; the last one repeats. */
  respond(path: string, ...answers: { status: number; retryAfter?: string }[]): void;
  close(): Promise<void>;
}

export async function startPushService(): Promise<LocalPushService> {
  const ca = await createMeshCa();
  const leaf = await issueServiceCertificate(ca, { service: "push-service" });
  const received: ReceivedPush[] = [];
  const answers = new Map<string, { status: number; retryAfter?: string }[]>();
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      const queue = answers.get(path) ?? [];
      const answer = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 201 };
      res.writeHead(answer.status, answer.retryAfter ? { "retry-after": answer.retryAfter } : {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    caPem: ca.certPem,
    received,
    respond(path, ...list) {
      answers.set(path, list);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Checks a `vapid t=<jwt>, k=<key>` header as a push service does (RFC 8292 §2–3): the key is
 * the one given, the ES256 signature verifies with it, `aud` is the push service's origin and
 * `exp` within 24 hours. Returns the JWT's claims.
 */
export function verifyVapid(
  header: string,
  publicKey: string,
  origin: string,
  nowMs = Date.now(),
): { aud: string; exp: number; sub: string } {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  if (!match?.[1] || !match[2]) throw new Error(`not a vapid header: ${header}`);
  if (match[2] !== publicKey) throw new Error("the k= key is not the server's public key");
  const [head, payload, signature] = match[1].split(".");
  if (!head || !payload || !signature) throw new Error("malformed JWT");
  const point = Buffer.from(publicKey, "base64url");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
    },
    format: "jwk",
  });
  const ok = verify(
    "sha256",
    Buffer.from(`${head}.${payload}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!ok) throw new Error("VAPID signature does not verify");
  const header_ = JSON.parse(Buffer.from(head, "base64url").toString()) as { alg: string };
  if (header_.alg !== "ES256") throw new Error(`alg ${header_.alg}`);
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  const now = Math.floor(nowMs / 1000);
  if (claims.exp <= now || claims.exp > now + 24 * 3600) throw new Error(`exp ${claims.exp}`);
  return claims;
}

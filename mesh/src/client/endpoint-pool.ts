import type { SecureClientSessionOptions } from "node:http2";
import { isIP, connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import type { MeshTls } from "../server/serve.js";
import type { Logger } from "../telemetry/logger.js";
import { type BreakerOptions, UpstreamBreaker } from "./circuit-breaker.js";

/** Node error codes of a connection that never came up: nothing was sent, any call may move on. */
const CONNECT_FAILURES = new Set([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** Options of an {@link EndpointPool}. */
export interface EndpointPoolOptions {
  readonly tls?: MeshTls | undefined;
  /** A connection (TCP + TLS handshake) not up within this fails with `unavailable` (default 2 s). */
  readonly connectTimeoutMs?: number;
  /** Per-address circuit breaker; `false` switches it off. */
  readonly breaker?: BreakerOptions | false;
  /** Breaker state changes are logged here. */
  readonly logger?: Logger | undefined;
}

interface Endpoint {
  readonly url: string;
  readonly breaker: UpstreamBreaker | undefined;
}

/**
 * The instances of one upstream service, each with its own HTTP/2 connection and circuit
 * breaker. Calls go round-robin to instances whose circuit admits them; a call whose connection
 * could not be established (refused, timed out: the request never left) moves on to the next
 * instance at once, whatever the RPC, because nothing can have been applied.
 */
export class EndpointPool {
  readonly #endpoints: readonly Endpoint[];
  readonly #sessions = new Map<string, Http2SessionManager>();
  readonly #options: EndpointPoolOptions;
  #turn = 0;

  constructor(urls: readonly string[], options: EndpointPoolOptions = {}) {
    if (urls.length === 0) throw new TypeError("connectTo: at least one base URL is required");
    this.#options = options;
    const breaker = options.breaker;
    this.#endpoints = urls.map((raw) => {
      const url = new URL(raw).origin;
      return {
        url,
        breaker: breaker === false ? undefined : new UpstreamBreaker(url, breaker, options.logger),
      };
    });
  }

  /** The base URL calls are built on before the pool picks an instance. */
  get primary(): string {
    return this.#endpoints[0]?.url ?? "";
  }

  /** The instances' base URLs. */
  get urls(): readonly string[] {
    return this.#endpoints.map((e) => e.url);
  }

  /** Circuit state per instance, for health pages and tests. */
  circuits(): Record<string, "closed" | "open" | "half-open"> {
    return Object.fromEntries(this.#endpoints.map((e) => [e.url, e.breaker?.state ?? "closed"]));
  }

  /** The HTTP/2 client the transport uses: one session (connection) per instance. */
  readonly httpClient = createNodeHttpClient({
    httpVersion: "2",
    sessionProvider: (url: string) => this.#session(new URL(url).origin),
  });

  /**
   * The innermost interceptor: sends each attempt to an instance (rewriting the request URL),
   * through that instance's breaker, and fails over when the connection could not be made.
   */
  interceptor(): Interceptor {
    return (next) => async (req) => {
      const path = req.url.startsWith(this.primary)
        ? req.url.slice(this.primary.length)
        : new URL(req.url).pathname;
      const tried = new Set<Endpoint>();
      let lastError: unknown;
      for (;;) {
        const endpoint = this.#pick(tried);
        if (!endpoint) {
          if (lastError !== undefined) throw lastError;
          throw this.#allOpenError();
        }
        tried.add(endpoint);
        const attempt = () => next({ ...req, url: endpoint.url + path });
        try {
          return await (endpoint.breaker ? endpoint.breaker.execute(attempt) : attempt());
        } catch (err) {
          if (!isConnectFailure(err) || req.signal.aborted) throw err;
          lastError = err;
        }
      }
    };
  }

  /** Closes every connection (open streams end with `canceled`). */
  close(): void {
    for (const session of this.#sessions.values()) session.abort();
    this.#sessions.clear();
  }

  #pick(tried: ReadonlySet<Endpoint>): Endpoint | undefined {
    const count = this.#endpoints.length;
    const start = this.#turn++ % count;
    for (let i = 0; i < count; i++) {
      const endpoint = this.#endpoints[(start + i) % count];
      if (endpoint && !tried.has(endpoint) && (endpoint.breaker?.admits() ?? true)) {
        return endpoint;
      }
    }
    return undefined;
  }

  #allOpenError(): ConnectError {
    const first = this.#endpoints.find((e) => e.breaker)?.breaker;
    if (!first) return new ConnectError("no instance to call", Code.Unavailable);
    const open = first.openError();
    if (this.#endpoints.length === 1) return open;
    const message = `every instance (${this.urls.join(", ")}) is failing; ${open.rawMessage}`;
    return new ConnectError(message, Code.Unavailable, undefined, undefined, open.cause);
  }

  #session(origin: string): Http2SessionManager {
    let session = this.#sessions.get(origin);
    if (!session) {
      session = new Http2SessionManager(
        origin,
        // Keep-alive: a connection whose peer vanished without a word (power cut, black hole)
        // is found dead within ~40 s even while a long stream is open on it.
        { pingIntervalMs: 30_000, pingTimeoutMs: 10_000 },
        {
          createConnection: (authority: URL) =>
            connectWithTimeout(
              authority,
              this.#options.tls,
              this.#options.connectTimeoutMs ?? 2_000,
            ),
        } satisfies SecureClientSessionOptions,
      );
      this.#sessions.set(origin, session);
    }
    return session;
  }
}

/** Whether the call failed before its connection existed (so the request was never sent). */
export function isConnectFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const { code, syscall } = e as NodeJS.ErrnoException;
    const connecting = syscall === "connect" || syscall === "getaddrinfo";
    if (typeof code === "string" && connecting && CONNECT_FAILURES.has(code)) return true;
  }
  return false;
}

/**
 * Opens the socket for an HTTP/2 session (TLS with ALPN `h2` and this service's certificate, or
 * plain TCP for h2c), destroying it with an `ETIMEDOUT` error (which Connect reports as
 * `unavailable`) when it is not up within `timeoutMs`: a black-holed address fails as fast as a
 * refused one, instead of hanging until the call's deadline.
 */
function connectWithTimeout(authority: URL, tls: MeshTls | undefined, timeoutMs: number): Duplex {
  const host = authority.hostname.replace(/^\[(.*)\]$/, "$1");
  const secure = authority.protocol === "https:";
  const port = Number(authority.port || (secure ? 443 : 80));
  const socket: Socket = secure
    ? tlsConnect({
        host,
        port,
        ALPNProtocols: ["h2"],
        ...(isIP(host) === 0 && { servername: host }),
        ...(tls && { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem }),
      })
    : netConnect({ host, port });
  const timer = setTimeout(() => {
    const error: NodeJS.ErrnoException = new Error(
      `could not connect to ${authority.origin} within ${timeoutMs} ms`,
    );
    error.code = "ETIMEDOUT";
    error.syscall = "connect";
    socket.destroy(error);
  }, timeoutMs);
  timer.unref();
  socket.once(secure ? "secureConnect" : "connect", () => clearTimeout(timer));
  socket.once("close", () => clearTimeout(timer));
  return socket;
}

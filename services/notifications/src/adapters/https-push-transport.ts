import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent, request } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import type { PushRequest, PushResponse, PushTransport } from "../ports.js";

/** Bytes of a push service's answer read at most (its body is never used). */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface HttpsPushTransportOptions {
  /**
   * Allow endpoints on loopback, private, link-local and other non-public addresses. Off in
   * production: endpoints come from users, and a push subscription must not become a way to make
   * the server post to internal services (SSRF). Tests with a local push service switch it on.
   */
  readonly allowPrivateNetworks?: boolean;
  /** Extra trusted CA certificates (PEM), e.g. a test push service's. */
  readonly ca?: string;
}

/** Addresses no real push service has. */
const NON_PUBLIC = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["224.0.0.0", 3],
  ] as const) {
    list.addSubnet(network, prefix, "ipv4");
  }
  for (const [network, prefix] of [
    ["::", 127],
    ["64:ff9b::", 96],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
  ] as const) {
    list.addSubnet(network, prefix, "ipv6");
  }
  return list;
})();

/** Whether `address` (an IP literal) is one no public push service would use. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // IPv4-mapped addresses (::ffff:127.0.0.1, ::ffff:7f00:1) are IPv4 addresses.
    const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (dotted?.[1]) return NON_PUBLIC.check(dotted[1], "ipv4");
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hex?.[1] && hex[2]) {
      const high = Number.parseInt(hex[1], 16);
      const low = Number.parseInt(hex[2], 16);
      return NON_PUBLIC.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, "ipv4");
    }
    return NON_PUBLIC.check(address, "ipv6");
  }
  return NON_PUBLIC.check(address, "ipv4");
}

class BlockedAddressError extends Error {
  override name = "BlockedAddressError";
  readonly code = "ERR_PUSH_ADDRESS_BLOCKED";
}

/** DNS resolution that refuses to connect to non-public addresses. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) {
      callback(err, "", 0);
      return;
    }
    const allowed = addresses.filter((entry) => !isNonPublicAddress(entry.address));
    if (allowed.length === 0) {
      callback(new BlockedAddressError(`${hostname} resolves to a non-public address`), "", 0);
      return;
    }
    if (options.all) {
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    } else {
      const first = allowed[0] as LookupAddress;
      callback(null, first.address, first.family);
    }
  });
};

/**
 * {@link PushTransport} over HTTPS with Node's client: keep-alive connections per push service,
 * a hard timeout per request, the answer's body discarded. Only `https:` endpoints, and by
 * default only public addresses.
 */
export class HttpsPushTransport implements PushTransport {
  readonly #agent: Agent;
  readonly #allowPrivate: boolean;

  constructor(options: HttpsPushTransportOptions = {}) {
    this.#allowPrivate = options.allowPrivateNetworks ?? false;
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: 16,
      ...(options.ca ? { ca: options.ca } : {}),
    });
  }

  send(push: PushRequest): Promise<PushResponse> {
    return new Promise((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(push.endpoint);
      } catch (err) {
        reject(err);
        return;
      }
      if (url.protocol !== "https:") {
        reject(new Error("push endpoints must be https URLs"));
        return;
      }
      const host = url.hostname.replace(/^\[|\]$/g, "");
      if (!this.#allowPrivate && isIP(host) !== 0 && isNonPublicAddress(host)) {
        reject(new BlockedAddressError(`${host} is not a public address`));
        return;
      }
      const req = request(url, {
        method: "POST",
        agent: this.#agent,
        headers: { ...push.headers, "content-length": String(push.body.length) },
        timeout: push.timeoutMs,
        ...(this.#allowPrivate ? {} : { lookup: guardedLookup }),
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`push service did not answer within ${push.timeoutMs} ms`)),
        push.timeoutMs,
      );
      req.on("timeout", () => req.destroy(new Error("push service connection timed out")));
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on("response", (res) => {
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const finish = () => {
          clearTimeout(timer);
          const retryAfter = Number(res.headers["retry-after"]);
          resolve({
            status: res.statusCode ?? 0,
            retryAfterSeconds:
              Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
          });
        };
        res.on("end", finish);
        res.on("close", finish);
        res.on("error", () => {});
      });
      req.end(push.body);
    });
  }

  /** Closes idle connections. */
  close(): void {
    this.#agent.destroy();
  }
}

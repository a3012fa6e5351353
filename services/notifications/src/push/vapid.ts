import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import type { VapidKeyPair } from "../ports.js";

/** How long a VAPID token is valid (RFC 8292 §2: at most 24 hours). */
const TOKEN_LIFETIME_S = 12 * 60 * 60;
/** A cached token is replaced this long before it expires. */
const TOKEN_REFRESH_MARGIN_S = 60 * 60;

/**
 * A fresh VAPID key pair (RFC 8292 §3.2): P-256, the public key as the uncompressed point
 * browsers take as `applicationServerKey`, the private key as PKCS #8 PEM for storage.
 */
export function generateVapidKeyPair(): VapidKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const jwk = publicKey.export({ format: "jwk" });
  if (!jwk.x || !jwk.y) throw new Error("P-256 public key without coordinates");
  const point = Buffer.concat([
    Buffer.from([0x04]),
    Buffer.from(jwk.x, "base64url"),
    Buffer.from(jwk.y, "base64url"),
  ]);
  return {
    publicKey: point.toString("base64url"),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/**
 * Signs the `Authorization: vapid t=<JWT>, k=<public key>` header of Web Push requests
 * (RFC 8292 §2–3): an ES256 JWT whose audience is the push service's origin, valid 12 hours,
 * naming `subject` (a `mailto:` or `https:` contact for the push service's operator). Tokens are
 * cached per origin and renewed an hour before they expire, so a burst of pushes to one push
 * service signs once.
 */
export class VapidSigner {
  readonly publicKey: string;
  readonly #privateKey: KeyObject;
  readonly #subject: string;
  readonly #cache = new Map<string, { readonly header: string; readonly expiresAt: number }>();

  constructor(keys: VapidKeyPair, subject: string) {
    this.publicKey = keys.publicKey;
    this.#privateKey = createPrivateKey(keys.privateKeyPem);
    this.#subject = subject;
  }

  /** The Authorization header value for a request to `endpoint` at `nowMs`. */
  authorization(endpoint: string, nowMs: number): string {
    const audience = new URL(endpoint).origin;
    const now = Math.floor(nowMs / 1000);
    const cached = this.#cache.get(audience);
    if (cached && cached.expiresAt - TOKEN_REFRESH_MARGIN_S > now) return cached.header;
    const expiresAt = now + TOKEN_LIFETIME_S;
    const header = `vapid t=${this.#token(audience, expiresAt)}, k=${this.publicKey}`;
    if (this.#cache.size > 1000) this.#cache.clear();
    this.#cache.set(audience, { header, expiresAt });
    return header;
  }

  #token(audience: string, expiresAt: number): string {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const input = `${encode({ typ: "JWT", alg: "ES256" })}.${encode({
      aud: audience,
      exp: expiresAt,
      sub: this.#subject,
    })}`;
    const signature = sign("sha256", Buffer.from(input), {
      key: this.#privateKey,
      dsaEncoding: "ieee-p1363",
    });
    return `${input}.${signature.toString("base64url")}`;
  }
}

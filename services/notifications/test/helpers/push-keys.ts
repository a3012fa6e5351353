import { createDecipheriv, createECDH, type ECDH, hkdfSync, randomBytes } from "node:crypto";

/**
 * A browser's side of Web Push, for tests: a P-256 key pair and an auth secret like
 * `PushManager.subscribe()` makes, and the decryption a browser does (RFC 8291), written from the
 * RFC independently of the service's encryption.
 */
export interface BrowserKeys {
  readonly registration: { readonly p256dh: string; readonly auth: string };
  readonly ecdh: ECDH;
  readonly authSecret: Buffer;
  /** Decrypts an `aes128gcm` body sent to this browser; throws when it does not authenticate. */
  decrypt(body: Uint8Array): Buffer;
}

export function browserKeys(): BrowserKeys {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const authSecret = randomBytes(16);
  return {
    registration: {
      p256dh: ecdh.getPublicKey().toString("base64url"),
      auth: authSecret.toString("base64url"),
    },
    ecdh,
    authSecret,
    decrypt: (body) => decryptAes128gcm(Buffer.from(body), ecdh, authSecret),
  };
}

function decryptAes128gcm(body: Buffer, ecdh: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20] ?? 0;
  const serverPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (record.length > recordSize) throw new Error("record larger than the declared record size");
  const uaPublic = ecdh.getPublicKey();
  const shared = ecdh.computeSecret(serverPublic);
  const prkKey = hkdfSync(
    "sha256",
    shared,
    authSecret,
    Buffer.concat([Buffer.from("WebPush: info\0"), uaPublic, serverPublic]),
    32,
  );
  const cek = hkdfSync("sha256", Buffer.from(prkKey), salt, "Content-Encoding: aes128gcm\0", 16);
  const nonce = hkdfSync("sha256", Buffer.from(prkKey), salt, "Content-Encoding: nonce\0", 12);
  const decipher = createDecipheriv("aes-128-gcm", Buffer.from(cek), Buffer.from(nonce));
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([
    decipher.update(record.subarray(0, record.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with 0x02 and then only zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 0x02) throw new Error("missing last-record delimiter");
  return padded.subarray(0, end);
}

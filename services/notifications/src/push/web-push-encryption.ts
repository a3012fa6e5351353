import { createCipheriv, createECDH, hkdfSync, randomBytes } from "node:crypto";

/** Bytes of the `aes128gcm` header with a P-256 key id: salt, record size, id length, key. */
export const HEADER_LENGTH = 16 + 4 + 1 + 65;
/** Bytes AES-GCM's tag adds to the record. */
export const TAG_LENGTH = 16;

/** A subscription's keys as the browser gives them (base64url). */
export interface PushKeys {
  readonly p256dh: string;
  readonly auth: string;
}

/** Fixed inputs, for reproducing RFC 8291's example; production calls leave them random. */
export interface EncryptionInputs {
  /** 16 bytes. */
  readonly salt?: Uint8Array;
  /** The application server's ephemeral private key (32 bytes). */
  readonly serverPrivateKey?: Uint8Array;
}

/** The subscription's keys are not a P-256 point and a 16-byte secret. */
export class InvalidPushKeysError extends Error {
  override name = "InvalidPushKeysError";
}

/**
 * Decodes and checks a subscription's keys: `p256dh` must be an uncompressed point on P-256 and
 * `auth` 16 bytes. Throws {@link InvalidPushKeysError} otherwise.
 */
export function decodePushKeys(keys: PushKeys): {
  readonly uaPublic: Buffer;
  readonly authSecret: Buffer;
} {
  const uaPublic = Buffer.from(keys.p256dh, "base64url");
  const authSecret = Buffer.from(keys.auth, "base64url");
  if (uaPublic.length !== 65 || uaPublic[0] !== 0x04 || authSecret.length !== 16) {
    throw new InvalidPushKeysError("p256dh must be 65 bytes (uncompressed) and auth 16 bytes");
  }
  try {
    // ECDH with a throwaway key rejects points that are not on the curve.
    const probe = createECDH("prime256v1");
    probe.generateKeys();
    probe.computeSecret(uaPublic);
  } catch (err) {
    throw new InvalidPushKeysError("p256dh is not a point on P-256", { cause: err });
  }
  return { uaPublic, authSecret };
}

/**
 * Encrypts a Web Push message body for one subscription (RFC 8291, `Content-Encoding:
 * aes128gcm` of RFC 8188) as a single record of `recordSize` bytes at most:
 *
 * - an ephemeral P-256 key pair per message; ECDH with the browser's `p256dh` key;
 * - IKM = HKDF(salt = auth secret, ECDH secret, "WebPush: info" ‖ 0 ‖ ua key ‖ as key, 32);
 * - CEK = HKDF(salt, IKM, "Content-Encoding: aes128gcm" ‖ 0, 16), nonce likewise (12 bytes);
 * - plaintext ‖ 0x02 (last-record delimiter), AES-128-GCM;
 * - header: salt (16) ‖ record size (uint32) ‖ 65 ‖ the ephemeral public key.
 *
 * Throws {@link InvalidPushKeysError} for unusable keys and a RangeError for a payload that does
 * not fit one record.
 */
export function encryptPushPayload(
  payload: Uint8Array,
  keys: PushKeys,
  recordSize = 4096,
  inputs: EncryptionInputs = {},
): Buffer {
  const { uaPublic, authSecret } = decodePushKeys(keys);
  if (payload.length + 1 + TAG_LENGTH > recordSize) {
    throw new RangeError(
      `push payload of ${payload.length} bytes does not fit a ${recordSize}-byte record`,
    );
  }
  const ecdh = createECDH("prime256v1");
  if (inputs.serverPrivateKey) ecdh.setPrivateKey(Buffer.from(inputs.serverPrivateKey));
  else ecdh.generateKeys();
  const asPublic = ecdh.getPublicKey();
  let ecdhSecret: Buffer;
  try {
    ecdhSecret = ecdh.computeSecret(uaPublic);
  } catch (err) {
    throw new InvalidPushKeysError("p256dh is not a point on P-256", { cause: err });
  }
  const salt = inputs.salt ? Buffer.from(inputs.salt) : randomBytes(16);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, "Content-Encoding: aes128gcm\0", 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, "Content-Encoding: nonce\0", 12));

  const cipher = createCipheriv("aes-128-gcm", cek, nonce);
  const record = Buffer.concat([
    cipher.update(Buffer.concat([payload, Buffer.from([0x02])])),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  const header = Buffer.alloc(HEADER_LENGTH);
  salt.copy(header, 0);
  header.writeUInt32BE(recordSize, 16);
  header[20] = asPublic.length;
  asPublic.copy(header, 21);
  return Buffer.concat([header, record]);
}

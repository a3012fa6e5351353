import { createPrivateKey } from "node:crypto";
import { crypto } from "./x509.js";

/** The mesh's key algorithm: ECDSA P-256 (small keys, fast handshakes, supported everywhere). */
export const KEY_ALGORITHM: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };

/** The signature algorithm that goes with {@link KEY_ALGORITHM}. */
export const SIGNING_ALGORITHM: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/** Signature algorithm (and WebCrypto import parameters) for each supported EC curve. */
const CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: "P-256", hash: "SHA-256" },
  secp384r1: { namedCurve: "P-384", hash: "SHA-384" },
};

/** A WebCrypto signing key with the ECDSA parameters its signatures need. */
export interface SigningKey {
  readonly key: CryptoKey;
  readonly algorithm: EcdsaParams;
}

/** A fresh exportable ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
}

/**
 * A private key as PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`): the encoding node:tls,
 * @grpc/grpc-js, Envoy and Go all read without being told the key type.
 */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey("pkcs8", key));
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
}

/**
 * Imports a PEM private key (PKCS#8 or SEC1 EC) for signing certificates, so a CA kept on disk,
 * or one made by another tool, can keep issuing. Only EC P-256 and P-384 keys are accepted.
 */
export async function importSigningKey(keyPem: string): Promise<SigningKey> {
  const keyObject = createPrivateKey(keyPem);
  const curve = keyObject.asymmetricKeyDetails?.namedCurve;
  const params = keyObject.asymmetricKeyType === "ec" && curve ? CURVES[curve] : undefined;
  if (!params) {
    const kind = [keyObject.asymmetricKeyType ?? "unknown", curve].filter(Boolean).join(" ");
    throw new TypeError(`unsupported CA key (${kind}): use EC P-256 or P-384`);
  }
  const der = keyObject.export({ format: "der", type: "pkcs8" });
  const key = await crypto.subtle.importKey(
    "pkcs8",
    der,
    { name: "ECDSA", namedCurve: params.namedCurve },
    false,
    ["sign"],
  );
  return { key, algorithm: { name: "ECDSA", hash: params.hash } };
}

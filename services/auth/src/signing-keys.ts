import { ACCESS_TOKEN_ALGORITHM } from "@parley/mesh";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Clock, Logger, SigningKeyRecord, SigningKeyStore } from "./ports.js";

/**
 * Extra time a retired key, or a denied token id, is kept beyond the access-token lifetime. It
 * covers verifiers whose clocks run behind and their tolerance on `exp` (the mesh allows 30 s).
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;

/** A public Ed25519 verification key as published in the JWKS (RFC 8037). */
export interface PublicSigningJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
  readonly alg: "EdDSA";
  readonly use: "sig";
}

/** The key that signs new access tokens. */
export interface ActiveSigningKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

export interface SigningKeyRingOptions {
  readonly store: SigningKeyStore;
  readonly clock: Clock;
  /** A current key older than this is replaced before it signs again. */
  readonly rotationIntervalMs: number;
  /** Tokens live this long, so a retired key must verify for this long after it stops signing. */
  readonly accessTokenTtlMs: number;
  readonly logger?: Logger | undefined;
}

/**
 * Auth's Ed25519 signing keys: one current key signs, retired keys keep verifying the tokens they
 * signed until those have expired, then disappear from the JWKS.
 *
 * Keys are persisted so a restart neither logs everyone out nor changes the JWKS under the other
 * services. The store is read on each use (a few rows) so several auth processes sharing the
 * database agree on the current key; only imported `CryptoKey`s are cached. Rotation is checked
 * lazily when a token is signed, so no timer is needed to keep keys fresh.
 */
export class SigningKeyRing {
  private readonly store: SigningKeyStore;
  private readonly clock: Clock;
  private readonly rotationIntervalMs: number;
  private readonly retentionMs: number;
  private readonly logger: Logger | undefined;
  private readonly imported = new Map<string, Promise<CryptoKey>>();
  private rotating: Promise<string> | undefined;

  constructor(options: SigningKeyRingOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.rotationIntervalMs = options.rotationIntervalMs;
    this.retentionMs = options.accessTokenTtlMs + CLOCK_SKEW_ALLOWANCE_MS;
    this.logger = options.logger;
  }

  /** The key to sign with now; creates one first when there is none or it is due for rotation. */
  async signingKey(): Promise<ActiveSigningKey> {
    let current = currentOf(await this.store.list());
    if (!current || this.isDue(current)) {
      await this.rotateOnce();
      current = currentOf(await this.store.list());
      if (!current) throw new Error("no current signing key after rotation");
    }
    return { kid: current.kid, key: await this.importKey(current, "private") };
  }

  /** Makes sure a usable current key exists (at start, so the JWKS is never empty). */
  async ensureCurrent(): Promise<void> {
    await this.signingKey();
    await this.prune();
  }

  /**
   * Replaces the current key with a new one now; the old one keeps verifying until its tokens
   * have expired. For scheduled rotation and for an operator who suspects a key leaked.
   * Returns the new key id.
   */
  rotate(): Promise<string> {
    return this.rotateOnce();
  }

  /** Public keys of the current key and of retired keys whose tokens may still be valid. */
  async jwks(): Promise<PublicSigningJwk[]> {
    return (await this.verifyingRecords()).map((record) => toPublicJwk(record));
  }

  /** The public key for `kid` if it may still verify tokens; undefined otherwise. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    const record = (await this.verifyingRecords()).find((r) => r.kid === kid);
    return record ? this.importKey(record, "public") : undefined;
  }

  /** Deletes keys retired long enough ago that no token they signed is still valid. */
  async prune(): Promise<string[]> {
    const pruned = await this.store.pruneRetiredBefore(this.clock.now() - this.retentionMs);
    for (const kid of pruned) {
      this.imported.delete(`private:${kid}`);
      this.imported.delete(`public:${kid}`);
    }
    if (pruned.length > 0) this.logger?.info({ kids: pruned }, "pruned retired signing keys");
    return pruned;
  }

  private isDue(current: SigningKeyRecord): boolean {
    return this.clock.now() - current.createdAt >= this.rotationIntervalMs;
  }

  private async verifyingRecords(): Promise<SigningKeyRecord[]> {
    const now = this.clock.now();
    return (await this.store.list()).filter(
      (record) => record.retiredAt === null || record.retiredAt + this.retentionMs > now,
    );
  }

  /** One rotation at a time in this process: concurrent signers share the same new key. */
  private rotateOnce(): Promise<string> {
    this.rotating ??= this.createAndActivate().finally(() => {
      this.rotating = undefined;
    });
    return this.rotating;
  }

  private async createAndActivate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, {
      crv: "Ed25519",
      extractable: true,
    });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    // RFC 7638 thumbprint: a stable, collision-free id derived from the key itself.
    const kid = await calculateJwkThumbprint(publicJwk, "sha256");
    const now = this.clock.now();
    await this.store.activate(
      {
        kid,
        privateJwk: { ...privateJwk, kid, alg: ACCESS_TOKEN_ALGORITHM },
        publicJwk: { ...publicJwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: "sig" },
        createdAt: now,
        retiredAt: null,
      },
      now,
    );
    this.logger?.info({ kid }, "signing key rotated");
    await this.prune();
    return kid;
  }

  private importKey(record: SigningKeyRecord, which: "private" | "public"): Promise<CryptoKey> {
    const cacheKey = `${which}:${record.kid}`;
    let key = this.imported.get(cacheKey);
    if (!key) {
      const jwk = (which === "private" ? record.privateJwk : record.publicJwk) as JWK;
      key = importJWK(jwk, ACCESS_TOKEN_ALGORITHM).then((imported) => {
        if (imported instanceof Uint8Array) throw new Error("signing key is not an asymmetric key");
        return imported;
      });
      // A failed import must not stick in the cache.
      key.catch(() => this.imported.delete(cacheKey));
      this.imported.set(cacheKey, key);
    }
    return key;
  }
}

/** The newest key that has not been retired. */
function currentOf(records: readonly SigningKeyRecord[]): SigningKeyRecord | undefined {
  let current: SigningKeyRecord | undefined;
  for (const record of records) {
    if (record.retiredAt === null && (!current || record.createdAt >= current.createdAt)) {
      current = record;
    }
  }
  return current;
}

function toPublicJwk(record: SigningKeyRecord): PublicSigningJwk {
  const x = record.publicJwk.x;
  if (typeof x !== "string") throw new Error(`signing key ${record.kid} has no public part`);
  return { kty: "OKP", crv: "Ed25519", x, kid: record.kid, alg: "EdDSA", use: "sig" };
}

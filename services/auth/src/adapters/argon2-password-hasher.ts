import { randomBytes } from "node:crypto";
import { hash, hashSync, parseOptions, verify } from "@node-rs/argon2";
import type { PasswordHasher } from "../ports.js";

/** argon2id cost parameters. */
export interface Argon2Parameters {
  /** KiB of memory per hash. */
  readonly memoryCost: number;
  /** Passes over the memory. */
  readonly timeCost: number;
  readonly parallelism: number;
}

/**
 * OWASP's recommended argon2id parameters (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1
 * lane). Production always uses these; only tests pass cheaper ones, explicitly.
 */
export const OWASP_ARGON2ID: Argon2Parameters = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, not importable here). */
const ARGON2ID = 2;

/**
 * {@link PasswordHasher} with argon2id. Hashing and verifying run on libuv's thread pool (async),
 * so a sign-in never blocks the event loop; hashes are PHC strings that carry their own salt and
 * parameters, which lets {@link needsRehash} upgrade old hashes at the next sign-in.
 */
export class Argon2PasswordHasher implements PasswordHasher {
  readonly dummyHash: string;

  constructor(private readonly parameters: Argon2Parameters = OWASP_ARGON2ID) {
    // Computed once at start with the live parameters, so an unknown-account verify costs exactly
    // what a real one does. Nobody knows the random secret, so it can never match.
    this.dummyHash = hashSync(randomBytes(32).toString("base64url"), this.options());
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options());
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A malformed stored hash must read as "wrong password", never as a crash.
      return false;
    }
  }

  needsRehash(passwordHash: string): boolean {
    try {
      const used = parseOptions(passwordHash);
      return (
        Number(used.algorithm) !== ARGON2ID ||
        used.memoryCost !== this.parameters.memoryCost ||
        used.timeCost !== this.parameters.timeCost ||
        used.parallelism !== this.parameters.parallelism
      );
    } catch {
      return true;
    }
  }

  private options() {
    return {
      algorithm: ARGON2ID,
      memoryCost: this.parameters.memoryCost,
      timeCost: this.parameters.timeCost,
      parallelism: this.parameters.parallelism,
    };
  }
}

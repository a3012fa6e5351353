/**
 * The mesh's single doorway to @peculiar/x509 and WebCrypto.
 *
 * Why: the library needs a Reflect metadata polyfill loaded before it (see
 * `reflect-metadata-shim.ts`), and every certificate operation should use the same explicit
 * crypto provider (Node's WebCrypto) instead of whatever a global default happens to be.
 * Importing the library only from here guarantees both.
 */
import "./reflect-metadata-shim.js";
import { webcrypto } from "node:crypto";

export * as x509 from "@peculiar/x509";

/** Node's WebCrypto, typed as the DOM `Crypto` that @peculiar/x509 expects. */
export const crypto = webcrypto as unknown as Crypto;

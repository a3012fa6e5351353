/**
 * A random (version 4) UUID, as SendMessage's idempotency key wants. `crypto.randomUUID` exists
 * only in secure contexts (https, localhost), and people also open Parley at a LAN address over
 * plain http, so this builds the UUID from `crypto.getRandomValues`, which exists everywhere.
 */
export function randomUuid(fill: (bytes: Uint8Array) => void = defaultFill): string {
  const bytes = new Uint8Array(16);
  fill(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function defaultFill(bytes: Uint8Array): void {
  globalThis.crypto.getRandomValues(bytes);
}

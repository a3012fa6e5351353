/**
 * Fixed limits of the notifications service: the contract's numbers, and the sizes of its
 * internal batches. Operational settings that deployments tune are in `config.ts` instead.
 */

/** ListNotifications page size when the request leaves it 0 (the contract says 50). */
export const DEFAULT_PAGE_SIZE = 50;

/** Push subscriptions one person keeps; a 21st replaces the least recently registered. */
export const MAX_PUSH_SUBSCRIPTIONS = 20;

/** Channel mutes one person may hold (as many channels as messaging lets a person join). */
export const MAX_CHANNEL_MUTES = 2000;

/** Push deliveries an instance claims from the outbox at once. */
export const PUSH_CLAIM_BATCH = 50;

/** Requests to push services in flight at once, per instance. */
export const PUSH_CONCURRENCY = 8;

/** Delay before the first retry of a failed push delivery; doubles per attempt. */
export const PUSH_RETRY_BASE_MS = 10_000;

/** Longest delay between two attempts of a push delivery. */
export const PUSH_RETRY_MAX_MS = 60 * 60_000;

/**
 * The record size of Web Push's `aes128gcm` encoding (RFC 8291 §4: push services must accept
 * 4096-byte payloads): the whole encrypted message is one record of at most this size.
 */
export const PUSH_RECORD_SIZE = 4096;

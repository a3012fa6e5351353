/**
 * The contract's fixed numbers (messaging_service.proto, events.proto, presence.proto), in one
 * place. Operational knobs (rate limits, retention, queue sizes) live in `config.ts` instead.
 */

/** Channel memberships one person may have. */
export const MAX_MEMBERSHIPS = 2000;
/** Distinct reaction emojis on one message. */
export const MAX_REACTION_EMOJIS = 20;
/** How long a typing indicator lasts unless renewed. */
export const TYPING_TTL_MS = 6_000;
/** SendTyping calls closer together than this (per person, channel and thread) are absorbed. */
export const TYPING_MIN_INTERVAL_MS = 2_000;
/** How long SetPresence keeps someone present without an open stream. */
export const PRESENCE_TTL_MS = 60_000;
/** How often an instance refreshes the presence of the people whose streams it holds. */
export const PRESENCE_REFRESH_MS = 20_000;

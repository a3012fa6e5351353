import type { UserDirectory } from "./ports.js";

/**
 * `@username` as auth spells usernames (letters, digits, `_`, `.`, `-`, starting with a letter or
 * digit, 3 to 32 characters), not preceded by something that makes it part of a word or an email
 * address (`bob@example.com` mentions nobody).
 */
const MENTION = /(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9][A-Za-z0-9_.-]{0,31})/gu;
/** Most distinct names looked up per message; more is spam, not conversation. */
const MAX_NAMES = 100;

/**
 * The usernames a text mentions, in order of first mention, lower-cased. Each mention comes with
 * the variant without trailing punctuation ("@alice." at the end of a sentence), tried second.
 */
export function mentionCandidates(text: string): (readonly [string, string | undefined])[] {
  const seen = new Set<string>();
  const found: (readonly [string, string | undefined])[] = [];
  for (const match of text.matchAll(MENTION)) {
    const name = match[1]?.toLowerCase();
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const trimmed = name.replace(/[._-]+$/, "");
    found.push([name, trimmed !== name && trimmed.length >= 3 ? trimmed : undefined]);
    if (found.length >= MAX_NAMES) break;
  }
  return found;
}

/**
 * Resolves a text's `@username` mentions to user ids, in order of first mention, each once.
 * Unknown names are ignored (the text stays as written). Membership is checked by the store when
 * the message is written.
 */
export async function resolveMentions(text: string, users: UserDirectory): Promise<string[]> {
  const candidates = mentionCandidates(text);
  if (candidates.length === 0) return [];
  const names = new Set<string>();
  for (const [name, trimmed] of candidates) {
    names.add(name);
    if (trimmed) names.add(trimmed);
  }
  const found = await users.lookupByUsernames([...names]);
  const ids: string[] = [];
  for (const [name, trimmed] of candidates) {
    const user = found.get(name) ?? (trimmed ? found.get(trimmed) : undefined);
    if (user && !ids.includes(user.id)) ids.push(user.id);
  }
  return ids;
}

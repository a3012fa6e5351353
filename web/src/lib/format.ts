import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampMs } from "@bufbuild/protobuf/wkt";

/** A piece of message text: plain, or an `@username` mention. */
export type TextPart = { readonly text: string; readonly mention?: string };

const MENTION = /(^|[^\w@.])@([A-Za-z0-9][A-Za-z0-9_.-]{1,31})/g;

/**
 * Splits text into plain parts and `@username` mentions (the server resolves mentions with the
 * same username rules: letters, digits, `_`, `.`, `-`). A trailing dot ends a sentence, not a
 * username.
 */
export function splitMentions(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const lead = match[1] ?? "";
    let name = match[2] ?? "";
    while (name.endsWith(".")) name = name.slice(0, -1);
    const start = (match.index ?? 0) + lead.length;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: `@${name}`, mention: name.toLowerCase() });
    last = start + 1 + name.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** "14:05" today, "Mon 14:05" this week, "3 Mar 14:05" otherwise (the person's locale). */
export function formatTime(
  at: Timestamp | undefined,
  now: Date = new Date(),
  locale?: string,
): string {
  if (!at) return "";
  const date = new Date(timestampMs(at));
  const time = date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  if (sameDay(date, now)) return time;
  const days = (startOfDay(now) - startOfDay(date)) / 86_400_000;
  if (days > 0 && days < 7) {
    return `${date.toLocaleDateString(locale, { weekday: "short" })} ${time}`;
  }
  return `${date.toLocaleDateString(locale, { day: "numeric", month: "short" })} ${time}`;
}

/** The full date and time, for a tooltip and `<time dateTime>`. */
export function isoTime(at: Timestamp | undefined): string {
  return at ? new Date(timestampMs(at)).toISOString() : "";
}

function sameDay(a: Date, b: Date): boolean {
  return startOfDay(a) === startOfDay(b);
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** One or two letters for an avatar: "Ada Lovelace" → "AL", "bob" → "B". */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]];
  return letters
    .map((w) => (w ? ([...w][0] ?? "") : ""))
    .join("")
    .toUpperCase();
}

/** A stable hue (0–359) per user id, so each person keeps their avatar colour. */
export function hueFor(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % 360;
}

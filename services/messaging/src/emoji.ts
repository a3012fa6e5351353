/** `:short_code:` for custom emojis. */
const SHORT_CODE = /^:[A-Za-z0-9_+-]{1,30}:$/;
/** Something only emojis contain: a pictograph, a flag letter, or a keycap. */
const EMOJI_CORE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
/** Only emoji characters and the joiners, selectors, modifiers and tags that build sequences. */
const EMOJI_ONLY = /^(?:\p{Emoji}|\p{Emoji_Component})+$/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Whether `value` is one Unicode emoji (a single grapheme such as "👍", "👍🏽", "👩‍👩‍👧" or "🇫🇷")
 * or a custom `:short_code:`, as AddReaction requires.
 */
export function isReactionEmoji(value: string): boolean {
  if (SHORT_CODE.test(value)) return true;
  let count = 0;
  for (const _ of graphemes.segment(value)) {
    if (++count > 1) return false;
  }
  return count === 1 && EMOJI_CORE.test(value) && EMOJI_ONLY.test(value);
}

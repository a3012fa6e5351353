import { KIND_NAMES } from "./kinds.js";
import type {
  KindSetting,
  NotificationContent,
  NotificationKindName,
  PreferencesRecord,
} from "./ports.js";

/** A kind's setting when the person never changed it: notified, with push. */
export const DEFAULT_KIND_SETTING: KindSetting = Object.freeze({ enabled: true, push: true });

/** Preferences of someone who never changed them. */
export function defaultPreferences(): PreferencesRecord {
  return {
    muteAll: null,
    kinds: Object.fromEntries(KIND_NAMES.map((kind) => [kind, DEFAULT_KIND_SETTING])) as Record<
      NotificationKindName,
      KindSetting
    >,
    channelMutes: [],
    updatedAt: null,
  };
}

/** What Notify does for one recipient (preferences.proto, "How Notify applies them"). */
export type Decision =
  | { readonly outcome: "self" }
  | { readonly outcome: "suppressed" }
  | { readonly outcome: "create"; readonly push: boolean };

/** Whether a mute that ends at `until` (null: never) still holds at `now`. */
export function muteActive(until: number | null, now: number): boolean {
  return until === null || until > now;
}

/**
 * Applies a recipient's preferences to a notification, in the contract's order:
 * 1. the recipient is the actor → nothing (people are not notified about themselves);
 * 2. the kind is disabled, or the notification's channel is muted → nothing;
 * 3. otherwise stored and streamed, and pushed unless do-not-disturb is on or the kind's push
 *    is off.
 */
export function decide(
  recipientId: string,
  preferences: PreferencesRecord,
  content: NotificationContent,
  now: number,
): Decision {
  if (content.actorUserId !== "" && content.actorUserId === recipientId) return { outcome: "self" };
  const kind = preferences.kinds[content.kind] ?? DEFAULT_KIND_SETTING;
  if (!kind.enabled) return { outcome: "suppressed" };
  if (
    content.channelId !== "" &&
    preferences.channelMutes.some(
      (mute) => mute.channelId === content.channelId && muteActive(mute.until, now),
    )
  ) {
    return { outcome: "suppressed" };
  }
  const doNotDisturb = preferences.muteAll !== null && muteActive(preferences.muteAll.until, now);
  return { outcome: "create", push: kind.push && !doNotDisturb };
}

import type Database from "better-sqlite3";
import { isKindName, KIND_NAMES } from "../kinds.js";
import type {
  ChannelMuteRecord,
  KindSetting,
  NotificationKindName,
  PreferenceStore,
  PreferencesChange,
  PreferencesRecord,
  PreferencesRefusal,
} from "../ports.js";
import { DEFAULT_KIND_SETTING, muteActive } from "../preferences.js";

interface PreferencesRow {
  user_id: string;
  mute_all: number;
  mute_all_until: number | null;
  kinds: string;
  updated_at: number;
}

interface MuteRow {
  user_id: string;
  channel_id: string;
  until: number | null;
}

/** Ids per `IN (...)` list (well under SQLite's parameter limit). */
const ID_BATCH = 500;

class Refused extends Error {
  constructor(readonly refusal: PreferencesRefusal) {
    super(refusal.kind);
  }
}

/**
 * {@link PreferenceStore} on SQLite: only what differs from the defaults is stored (a row per
 * person who changed something, a row per channel mute), so people who never opened their
 * settings cost nothing. Expired mutes are left out when reading and removed by housekeeping.
 */
export class SqlitePreferenceStore implements PreferenceStore {
  readonly #db: Database.Database;
  readonly #maxChannelMutes: number;
  readonly #row;
  readonly #mutes;
  readonly #ensure;
  readonly #setMuteAll;
  readonly #setKinds;
  readonly #touch;
  readonly #upsertMute;
  readonly #deleteMute;
  readonly #deleteExpiredMutes;
  readonly #countMutes;

  constructor(db: Database.Database, maxChannelMutes: number) {
    this.#db = db;
    this.#maxChannelMutes = maxChannelMutes;
    this.#row = db.prepare<[string], PreferencesRow>(
      "SELECT user_id, mute_all, mute_all_until, kinds, updated_at FROM preferences WHERE user_id = ?",
    );
    this.#mutes = db.prepare<[string, number], MuteRow>(
      `SELECT user_id, channel_id, until FROM channel_mutes
       WHERE user_id = ? AND (until IS NULL OR until > ?) ORDER BY channel_id`,
    );
    this.#ensure = db.prepare<[string, number]>(
      "INSERT INTO preferences (user_id, updated_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING",
    );
    this.#setMuteAll = db.prepare<[number, number | null, string]>(
      "UPDATE preferences SET mute_all = ?, mute_all_until = ? WHERE user_id = ?",
    );
    this.#setKinds = db.prepare<[string, string]>(
      "UPDATE preferences SET kinds = ? WHERE user_id = ?",
    );
    this.#touch = db.prepare<[number, string]>(
      "UPDATE preferences SET updated_at = ? WHERE user_id = ?",
    );
    this.#upsertMute = db.prepare<[string, string, number | null]>(
      `INSERT INTO channel_mutes (user_id, channel_id, until) VALUES (?, ?, ?)
       ON CONFLICT (user_id, channel_id) DO UPDATE SET until = excluded.until`,
    );
    this.#deleteMute = db.prepare<[string, string]>(
      "DELETE FROM channel_mutes WHERE user_id = ? AND channel_id = ?",
    );
    this.#deleteExpiredMutes = db.prepare<[string, number]>(
      "DELETE FROM channel_mutes WHERE user_id = ? AND until IS NOT NULL AND until <= ?",
    );
    this.#countMutes = db.prepare<[string], { n: number }>(
      "SELECT COUNT(*) AS n FROM channel_mutes WHERE user_id = ?",
    );
  }

  async get(userId: string, now: number): Promise<PreferencesRecord> {
    return this.#read(userId, now);
  }

  async forNotify(
    userIds: readonly string[],
    channelId: string,
    now: number,
  ): Promise<Map<string, PreferencesRecord>> {
    const rows = new Map<string, PreferencesRow>();
    const mutes = new Map<string, ChannelMuteRecord[]>();
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += ID_BATCH) {
      const batch = ids.slice(i, i + ID_BATCH);
      const marks = batch.map(() => "?").join(", ");
      for (const row of this.#db
        .prepare<string[], PreferencesRow>(
          `SELECT user_id, mute_all, mute_all_until, kinds, updated_at FROM preferences
           WHERE user_id IN (${marks})`,
        )
        .all(...batch)) {
        rows.set(row.user_id, row);
      }
      if (channelId === "") continue;
      for (const row of this.#db
        .prepare<unknown[], MuteRow>(
          `SELECT user_id, channel_id, until FROM channel_mutes
           WHERE channel_id = ? AND (until IS NULL OR until > ?) AND user_id IN (${marks})`,
        )
        .all(channelId, now, ...batch)) {
        mutes.set(row.user_id, [{ channelId: row.channel_id, until: row.until }]);
      }
    }
    return new Map(
      userIds.map((id) => [id, toPreferences(rows.get(id), mutes.get(id) ?? [], now)]),
    );
  }

  async update(
    userId: string,
    change: PreferencesChange,
    now: number,
  ): Promise<PreferencesRecord | PreferencesRefusal> {
    try {
      return this.#db
        .transaction((): PreferencesRecord => {
          this.#ensure.run(userId, now);
          if (change.muteAll === "off") this.#setMuteAll.run(0, null, userId);
          else if (change.muteAll) this.#setMuteAll.run(1, change.muteAll.until, userId);
          if (change.kinds.length > 0) {
            const stored = parseKinds(this.#row.get(userId)?.kinds ?? "{}");
            for (const { kind, enabled, push } of change.kinds) stored[kind] = { enabled, push };
            this.#setKinds.run(JSON.stringify(stored), userId);
          }
          for (const id of change.unmuteChannelIds) this.#deleteMute.run(userId, id);
          if (change.muteChannels.length > 0) {
            this.#deleteExpiredMutes.run(userId, now);
            for (const mute of change.muteChannels) {
              this.#upsertMute.run(userId, mute.channelId, mute.until);
            }
            if ((this.#countMutes.get(userId)?.n ?? 0) > this.#maxChannelMutes) {
              throw new Refused({ kind: "too_many_channel_mutes", max: this.#maxChannelMutes });
            }
          }
          this.#touch.run(now, userId);
          return this.#read(userId, now);
        })
        .immediate();
    } catch (err) {
      if (err instanceof Refused) return err.refusal;
      throw err;
    }
  }

  #read(userId: string, now: number): PreferencesRecord {
    const mutes = this.#mutes
      .all(userId, now)
      .map((row) => ({ channelId: row.channel_id, until: row.until }));
    return toPreferences(this.#row.get(userId), mutes, now);
  }
}

function toPreferences(
  row: PreferencesRow | undefined,
  channelMutes: ChannelMuteRecord[],
  now: number,
): PreferencesRecord {
  const stored = parseKinds(row?.kinds ?? "{}");
  const kinds = Object.fromEntries(
    KIND_NAMES.map((kind) => [kind, stored[kind] ?? DEFAULT_KIND_SETTING]),
  ) as Record<NotificationKindName, KindSetting>;
  const muteAll =
    row && row.mute_all === 1 && muteActive(row.mute_all_until, now)
      ? { until: row.mute_all_until }
      : null;
  return { muteAll, kinds, channelMutes, updatedAt: row?.updated_at ?? null };
}

/** The stored kind overrides; anything unreadable counts as the default. */
function parseKinds(json: string): Partial<Record<NotificationKindName, KindSetting>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  const kinds: Partial<Record<NotificationKindName, KindSetting>> = {};
  if (typeof parsed !== "object" || parsed === null) return kinds;
  for (const [kind, value] of Object.entries(parsed)) {
    if (!isKindName(kind) || typeof value !== "object" || value === null) continue;
    const { enabled, push } = value as Record<string, unknown>;
    if (typeof enabled === "boolean" && typeof push === "boolean") kinds[kind] = { enabled, push };
  }
  return kinds;
}

import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type {
  NotificationService,
  UpdatePreferencesRequest,
} from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import * as errors from "../errors.js";
import { kindFromProto } from "../kinds.js";
import type { MuteRecord, PreferencesChange } from "../ports.js";
import { fromTimestamp, toPreferencesProto } from "../proto-mapping.js";
import { limitWrites, type NotificationServiceDeps, normalizeId, signedIn } from "./context.js";

type PreferenceMethods = Pick<
  ServiceImpl<typeof NotificationService>,
  "getPreferences" | "updatePreferences"
>;

/** The caller's own notification preferences. */
export function preferenceHandlers(deps: NotificationServiceDeps): PreferenceMethods {
  const { preferences, clock } = deps;
  return {
    async getPreferences(_req, ctx) {
      const user = signedIn(ctx);
      const record = await preferences.get(user.id, clock.now());
      return { preferences: toPreferencesProto(record) };
    },

    async updatePreferences(req, ctx) {
      const user = signedIn(ctx);
      const now = clock.now();
      const change = changeOf(req, now);
      await limitWrites(deps, user);
      const result = await preferences.update(user.id, change, now);
      if ("kind" in result) throw errors.tooManyChannelMutes(result.max);
      return { preferences: toPreferencesProto(result) };
    },
  };
}

/** The request in domain terms, with the checks the contract's rules imply done again here. */
function changeOf(req: UpdatePreferencesRequest, now: number): PreferencesChange {
  const mute = (until: Timestamp | undefined, field: string): MuteRecord => {
    if (!until) return { until: null };
    const ms = fromTimestamp(until);
    if (ms <= now) throw errors.muteInPast(field);
    return { until: ms };
  };
  let muteAll: PreferencesChange["muteAll"];
  if (req.muteAllChange.case === "muteAll") {
    muteAll = mute(req.muteAllChange.value.until, "mute_all.until");
  } else if (req.muteAllChange.case === "unmuteAll") {
    muteAll = "off";
  }
  const kinds = req.kinds.map((setting) => {
    const kind = kindFromProto(setting.kind);
    if (!kind) throw errors.invalidKind();
    return { kind, enabled: setting.enabled, push: setting.push };
  });
  if (new Set(kinds.map((k) => k.kind)).size !== kinds.length) throw errors.duplicateKinds();
  const muteChannels = req.muteChannels.map((m, i) => ({
    channelId: normalizeId(m.channelId),
    until: mute(m.until, `mute_channels[${i}].until`).until,
  }));
  const unmuteChannelIds = [...new Set(req.unmuteChannelIds.map(normalizeId))];
  const muted = new Set(muteChannels.map((m) => m.channelId));
  if (muted.size !== muteChannels.length) throw errors.duplicateChannels();
  if (unmuteChannelIds.some((id) => muted.has(id))) throw errors.channelConflict();
  return { muteAll, kinds, muteChannels, unmuteChannelIds };
}

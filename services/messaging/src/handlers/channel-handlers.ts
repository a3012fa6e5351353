import { randomBytes, randomUUID } from "node:crypto";
import type { ServiceImpl } from "@connectrpc/connect";
import type { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import * as errors from "../errors.js";
import { decodePageToken, encodePageToken } from "../page-token.js";
import type { ChannelKindName } from "../ports.js";
import { fromKindProto, toChannelProto, toJoinedChannelProto } from "../proto-mapping.js";
import { type HandlerKit, isAdmin, refusal, signedIn } from "./context.js";

type ChannelMethods = Pick<
  ServiceImpl<typeof MessagingService>,
  | "createChannel"
  | "getChannel"
  | "listChannels"
  | "listPublicChannels"
  | "updateChannel"
  | "archiveChannel"
  | "unarchiveChannel"
  | "deleteChannel"
  | "openDirectChannel"
>;

const DEFAULT_CHANNELS_PAGE = 200;
const MAX_CHANNELS_PAGE = 1000;
const DEFAULT_PUBLIC_PAGE = 50;
const MAX_PUBLIC_PAGE = 100;

/** A new channel stream epoch: opaque, short, never reused. */
export function newEpoch(): string {
  return randomBytes(9).toString("base64url");
}

/** Creating, reading, listing and administering channels. */
export function channelHandlers(kit: HandlerKit): ChannelMethods {
  const { channels } = kit.deps;

  return {
    async createChannel(req, ctx) {
      const user = signedIn(ctx);
      const kind = fromKindProto(req.kind);
      if (kind !== "public" && kind !== "private") {
        throw errors.invalidKind();
      }
      const memberIds = [...new Set(req.memberUserIds.map((id) => id.toLowerCase()))].filter(
        (id) => id !== user.id,
      );
      await kit.requireKnownUsers(memberIds);
      const result = await channels.createChannel({
        id: randomUUID(),
        kind,
        name: req.name,
        topic: req.topic,
        creatorId: user.id,
        memberIds,
        epoch: newEpoch(),
        now: kit.now(),
      });
      if (result.kind !== "ok") throw refusal(result, user.id);
      kit.deps.logger.info(
        { userId: user.id, channelId: result.value.channel.id, kind },
        "channel created",
      );
      return { channel: toJoinedChannelProto(result.value) };
    },

    async getChannel(req, ctx) {
      const user = signedIn(ctx);
      const { channel, member } = await kit.access(req.channelId, user);
      if (member) {
        const readState = await channels.getReadState(channel.id, user.id);
        if (readState) {
          return {
            channel: toChannelProto(channel),
            membership: toJoinedChannelProto({ channel, member, readState }),
          };
        }
      }
      if (channel.kind !== "public" && !isAdmin(user)) throw errors.closedChannel();
      return { channel: toChannelProto(channel) };
    },

    async listChannels(req, ctx) {
      const user = signedIn(ctx);
      const kinds = [
        ...new Set(req.kinds.map(fromKindProto).filter((k): k is ChannelKindName => !!k)),
      ].sort();
      const pageSize = clampPage(req.pageSize, DEFAULT_CHANNELS_PAGE, MAX_CHANNELS_PAGE);
      const scope = `channels|${user.id}|${kinds.join(",")}|${req.includeArchived}`;
      let afterChannelId: string | undefined;
      if (req.pageToken !== "") {
        const position = decodePageToken(req.pageToken, scope, ["string"]);
        if (!position) throw errors.invalidPageToken();
        afterChannelId = String(position[0]);
      }
      const rows = await channels.listJoined({
        userId: user.id,
        kinds,
        includeArchived: req.includeArchived,
        afterChannelId,
        limit: pageSize + 1,
      });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      return {
        channels: page.map(toJoinedChannelProto),
        nextPageToken:
          rows.length > pageSize && last ? encodePageToken(scope, [last.channel.id]) : "",
      };
    },

    async listPublicChannels(req, ctx) {
      const user = signedIn(ctx);
      const search = req.query.trim().toLowerCase();
      const pageSize = clampPage(req.pageSize, DEFAULT_PUBLIC_PAGE, MAX_PUBLIC_PAGE);
      const scope = `public|${search}|${req.includeArchived}`;
      let after: { name: string; id: string } | undefined;
      if (req.pageToken !== "") {
        const position = decodePageToken(req.pageToken, scope, ["string", "string"]);
        if (!position) throw errors.invalidPageToken();
        after = { name: String(position[0]), id: String(position[1]) };
      }
      const rows = await channels.listPublic({
        viewerId: user.id,
        search,
        includeArchived: req.includeArchived,
        after,
        limit: pageSize + 1,
      });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      return {
        channels: page.map((row) => ({ channel: toChannelProto(row.channel), joined: row.joined })),
        nextPageToken:
          rows.length > pageSize && last
            ? encodePageToken(scope, [last.channel.name, last.channel.id])
            : "",
      };
    },

    async updateChannel(req, ctx) {
      const user = signedIn(ctx);
      await kit.asManager(req.channelId, user, errors.directChannelNotEditable);
      const result = await channels.updateChannel(
        req.channelId,
        { name: req.name, topic: req.topic },
        user.id,
        kit.now(),
      );
      if (result.kind !== "ok") {
        throw refusal(result, user.id, { direct: errors.directChannelNotEditable });
      }
      return { channel: toChannelProto(result.value) };
    },

    async archiveChannel(req, ctx) {
      const user = signedIn(ctx);
      await kit.asManager(req.channelId, user, errors.directChannelNotEditable);
      const result = await channels.setArchived(req.channelId, true, user.id, kit.now());
      if (result.kind !== "ok") {
        throw refusal(result, user.id, { direct: errors.directChannelNotEditable });
      }
      if (result.events.length > 0) {
        kit.deps.logger.info({ userId: user.id, channelId: req.channelId }, "channel archived");
      }
      return { channel: toChannelProto(result.value) };
    },

    async unarchiveChannel(req, ctx) {
      const user = signedIn(ctx);
      const { channel, member } = await kit.access(req.channelId, user);
      if (channel.kind === "direct") {
        // Never archived, so unarchiving succeeds and changes nothing (for those who may see it).
        if (!member && !isAdmin(user)) throw errors.closedChannel();
        return { channel: toChannelProto(channel) };
      }
      await kit.asManager(req.channelId, user, errors.directChannelNotEditable);
      const result = await channels.setArchived(req.channelId, false, user.id, kit.now());
      if (result.kind !== "ok") throw refusal(result, user.id);
      return { channel: toChannelProto(result.value) };
    },

    async deleteChannel(req, ctx) {
      const user = signedIn(ctx);
      const { channel, member } = await kit.access(req.channelId, user);
      const owner = channel.kind !== "direct" && member?.role === "owner";
      if (!owner && !isAdmin(user)) throw errors.ownersOnly();
      const result = await channels.deleteChannel(req.channelId, user.id, kit.now());
      if (result.kind !== "ok") throw refusal(result, user.id);
      kit.deps.logger.info({ userId: user.id, channelId: req.channelId }, "channel deleted");
      return {};
    },

    async openDirectChannel(req, ctx) {
      const user = signedIn(ctx);
      const others = [...new Set(req.userIds.map((id) => id.toLowerCase()))].filter(
        (id) => id !== user.id,
      );
      if (others.length === 0) throw errors.directWithOnlySelf();
      await kit.requireKnownUsers(others);
      const result = await channels.openDirectChannel({
        id: randomUUID(),
        openerId: user.id,
        participantIds: [user.id, ...others].sort(),
        epoch: newEpoch(),
        now: kit.now(),
      });
      if (result.kind !== "ok") throw refusal(result, user.id);
      return { channel: toJoinedChannelProto(result.value.joined), created: result.value.created };
    },
  };
}

function clampPage(requested: number, fallback: number, max: number): number {
  return Math.min(max, Math.max(1, requested || fallback));
}

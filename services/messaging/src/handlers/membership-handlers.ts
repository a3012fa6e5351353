import type { ServiceImpl } from "@connectrpc/connect";
import type { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import * as errors from "../errors.js";
import { decodePageToken, encodePageToken } from "../page-token.js";
import type { MemberCursor } from "../ports.js";
import { fromRoleProto, toJoinedChannelProto, toMemberProto } from "../proto-mapping.js";
import { type HandlerKit, refusal, signedIn } from "./context.js";

type MembershipMethods = Pick<
  ServiceImpl<typeof MessagingService>,
  "joinChannel" | "leaveChannel" | "addMembers" | "removeMember" | "setMemberRole" | "listMembers"
>;

const DEFAULT_MEMBERS_PAGE = 100;
const MAX_MEMBERS_PAGE = 200;

/** Joining, leaving, adding, removing and promoting people. */
export function membershipHandlers(kit: HandlerKit): MembershipMethods {
  const { channels } = kit.deps;

  return {
    async joinChannel(req, ctx) {
      const user = signedIn(ctx);
      const result = await channels.join(req.channelId, user.id, kit.now());
      if (result.kind !== "ok") throw refusal(result, user.id);
      return { channel: toJoinedChannelProto(result.value) };
    },

    async leaveChannel(req, ctx) {
      const user = signedIn(ctx);
      const result = await channels.leave(req.channelId, user.id, kit.now());
      if (result.kind !== "ok") throw refusal(result, user.id);
      return {};
    },

    async addMembers(req, ctx) {
      const user = signedIn(ctx);
      const { channel } = await kit.asMember(req.channelId, user);
      if (channel.kind === "direct") throw errors.directMembershipFixed();
      if (channel.archivedAt !== null) throw errors.archived();
      const ids = [...new Set(req.userIds.map((id) => id.toLowerCase()))];
      await kit.requireKnownUsers(ids);
      const result = await channels.addMembers(req.channelId, ids, user.id, kit.now());
      if (result.kind !== "ok") throw refusal(result, user.id);
      return { added: result.value.map(toMemberProto) };
    },

    async removeMember(req, ctx) {
      const user = signedIn(ctx);
      if (req.userId.toLowerCase() === user.id) throw errors.removeSelf();
      await kit.asManager(req.channelId, user, errors.directMembershipFixed);
      const result = await channels.removeMember(
        req.channelId,
        req.userId.toLowerCase(),
        user.id,
        kit.now(),
      );
      if (result.kind !== "ok") throw refusal(result, user.id);
      return {};
    },

    async setMemberRole(req, ctx) {
      const user = signedIn(ctx);
      const role = fromRoleProto(req.role);
      if (!role) throw errors.invalidRole();
      await kit.asManager(req.channelId, user, errors.directMembershipFixed);
      const result = await channels.setMemberRole(
        req.channelId,
        req.userId.toLowerCase(),
        role,
        user.id,
        kit.now(),
      );
      if (result.kind !== "ok") {
        throw refusal(result, user.id, { not_member: errors.memberNotFound });
      }
      return { member: toMemberProto(result.value) };
    },

    async listMembers(req, ctx) {
      const user = signedIn(ctx);
      await kit.asMember(req.channelId, user);
      const pageSize = Math.min(
        MAX_MEMBERS_PAGE,
        Math.max(1, req.pageSize || DEFAULT_MEMBERS_PAGE),
      );
      const scope = `members|${req.channelId}`;
      let after: MemberCursor | undefined;
      if (req.pageToken !== "") {
        const position = decodePageToken(req.pageToken, scope, ["number", "number", "string"]);
        if (!position) throw errors.invalidPageToken();
        after = {
          rank: Number(position[0]),
          joinedAt: Number(position[1]),
          userId: String(position[2]),
        };
      }
      const rows = await channels.listMembers(req.channelId, after, pageSize + 1);
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      return {
        members: page.map(toMemberProto),
        nextPageToken:
          rows.length > pageSize && last
            ? encodePageToken(scope, [last.role === "owner" ? 0 : 1, last.joinedAt, last.userId])
            : "",
      };
    },
  };
}

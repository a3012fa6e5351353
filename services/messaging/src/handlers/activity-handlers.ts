import type { ServiceImpl } from "@connectrpc/connect";
import type { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import * as errors from "../errors.js";
import { readStateChangedEvent, typingEvent } from "../event-codec.js";
import { TYPING_TTL_MS } from "../limits.js";
import { toPresenceProto, toReadStateProto } from "../proto-mapping.js";
import { type HandlerKit, refusal, signedIn } from "./context.js";

type ActivityMethods = Pick<
  ServiceImpl<typeof MessagingService>,
  "markRead" | "sendTyping" | "setPresence" | "getPresence"
>;

/** Read positions, typing indicators and presence. */
export function activityHandlers(kit: HandlerKit): ActivityMethods {
  const { messages, publisher, presence, typing } = kit.deps;

  return {
    async markRead(req, ctx) {
      const user = signedIn(ctx);
      const seq =
        req.seq > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(req.seq);
      const result = await messages.markRead(req.channelId, user.id, seq, kit.now());
      if (result.kind !== "ok") throw refusal(result, user.id);
      if (result.changed) {
        publisher.userEvent(user.id, readStateChangedEvent(result.readState, kit.now()));
      }
      return { readState: toReadStateProto(result.readState) };
    },

    async sendTyping(req, ctx) {
      const user = signedIn(ctx);
      const { channel } = await kit.asMember(req.channelId, user);
      if (channel.archivedAt !== null) throw errors.archived();
      const threadRootId = req.threadRootId.toLowerCase();
      if (threadRootId !== "") {
        const root = await messages.getMessage(channel.id, threadRootId);
        if (!root || root.threadRootId !== null) throw errors.threadRootNotFound();
      }
      const now = kit.now();
      const key = `${user.id}|${channel.id}|${threadRootId}`;
      if (req.stopped) {
        typing.clear(key);
      } else if (!typing.allow(key, now)) {
        return {};
      }
      publisher.channelEvent(
        typingEvent({
          channelId: channel.id,
          userId: user.id,
          threadRootId,
          typing: !req.stopped,
          expiresAt: now + TYPING_TTL_MS,
          now,
        }),
      );
      return {};
    },

    async setPresence(req, ctx) {
      const user = signedIn(ctx);
      const status =
        req.status === PresenceStatus.AWAY
          ? "away"
          : req.status === PresenceStatus.ONLINE
            ? "online"
            : undefined;
      if (!status) throw errors.invalidStatus();
      return { presence: toPresenceProto(await presence.setStatus(user.id, status)) };
    },

    async getPresence(req, ctx) {
      signedIn(ctx);
      const ids = req.userIds.map((id) => id.toLowerCase());
      return { presences: (await presence.get(ids)).map(toPresenceProto) };
    },
  };
}

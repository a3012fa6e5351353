import { createHash } from "node:crypto";
import type { ServiceImpl } from "@connectrpc/connect";
import type {
  ListMessagesRequest,
  MessagingService,
  SendMessageRequest,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { AuthenticatedUser } from "@parley/mesh";
import { isReactionEmoji } from "../emoji.js";
import * as errors from "../errors.js";
import { MAX_REACTION_EMOJIS } from "../limits.js";
import { newMessageId } from "../message-id.js";
import type { HistoryAnchor, MessageRecord } from "../ports.js";
import { toMessageProto, toReactionProtos } from "../proto-mapping.js";
import { type HandlerKit, isAdmin, refusal, signedIn } from "./context.js";

type MessageMethods = Pick<
  ServiceImpl<typeof MessagingService>,
  | "sendMessage"
  | "getMessage"
  | "listMessages"
  | "editMessage"
  | "deleteMessage"
  | "addReaction"
  | "removeReaction"
>;

const DEFAULT_HISTORY_PAGE = 50;
const MAX_HISTORY_PAGE = 100;

/** Identifies what a SendMessage asked for, to tell a retry from a different message. */
export function sendRequestHash(channelId: string, threadRootId: string, text: string): string {
  return createHash("sha256")
    .update(channelId)
    .update("\0")
    .update(threadRootId)
    .update("\0")
    .update(text)
    .digest("base64url");
}

/** A client's uint64 seq as a safe number (beyond any real seq when it is absurdly large). */
function seqOf(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/** Posting, reading, editing and deleting messages, and reactions. */
export function messageHandlers(kit: HandlerKit): MessageMethods {
  const { messages, logger } = kit.deps;

  async function reactionsFor(message: MessageRecord, viewerId: string) {
    if (message.deletedAt !== null) return [];
    return (await messages.reactionsOf([message.id], viewerId)).get(message.id) ?? [];
  }

  async function send(req: SendMessageRequest, user: AuthenticatedUser) {
    const key = req.idempotencyKey.toLowerCase();
    const threadRootId = req.threadRootId === "" ? null : req.threadRootId.toLowerCase();
    const requestHash = sendRequestHash(req.channelId, threadRootId ?? "", req.text);
    // A retry of a stored message is answered from the store: no rate limit, no lookups.
    const retry = (await messages.findIdempotencyKey(user.id, key)) !== undefined;
    let mentionCandidates: string[] = [];
    if (!retry) {
      await kit.asMember(req.channelId, user);
      if (kit.deps.sendLimiter) {
        const decision = await kit.deps.sendLimiter.take(`send:${user.id}`);
        if (!decision.allowed) throw errors.tooManyMessages(decision.retryAfterMs);
      }
      mentionCandidates = await kit.mentions(req.text, {
        userId: user.id,
        channelId: req.channelId,
      });
    }
    const now = kit.now();
    const result = await messages.sendMessage({
      id: newMessageId(now),
      channelId: req.channelId,
      authorId: user.id,
      text: req.text,
      threadRootId,
      mentionCandidates,
      idempotencyKey: key,
      requestHash,
      now,
    });
    if (result.kind !== "ok") throw refusal(result, user.id);
    const sent = result.value;
    if (!sent.created) {
      return { message: toMessageProto(sent.message, await reactionsFor(sent.message, user.id)) };
    }
    // The author's read position moved to this message: every instance tells the author's
    // streams from the message_created event itself (Hub), no read_state_changed is published.
    // The notifications it owes were recorded with it; the relay sends them.
    logger.debug(
      { userId: user.id, channelId: req.channelId, seq: sent.message.seq },
      "message sent",
    );
    return { message: toMessageProto(sent.message) };
  }

  return {
    async sendMessage(req, ctx) {
      const user = signedIn(ctx);
      return kit.deps.sendsInHand.run(() => send(req, user));
    },

    async getMessage(req, ctx) {
      const user = signedIn(ctx);
      await kit.asMember(req.channelId, user);
      const message = await messages.getMessage(req.channelId, req.messageId.toLowerCase());
      if (!message) throw errors.messageNotFound();
      return { message: toMessageProto(message, await reactionsFor(message, user.id)) };
    },

    async listMessages(req, ctx) {
      const user = signedIn(ctx);
      await kit.asMember(req.channelId, user);
      const limit = Math.min(MAX_HISTORY_PAGE, Math.max(1, req.limit || DEFAULT_HISTORY_PAGE));
      let threadRoot: MessageRecord | undefined;
      if (req.threadRootId !== "") {
        threadRoot = await messages.getMessage(req.channelId, req.threadRootId.toLowerCase());
        if (!threadRoot || threadRoot.threadRootId !== null) throw errors.threadRootNotFound();
      }
      const anchor = await anchorOf(req, threadRoot?.id ?? null);
      const page = await messages.listHistory(req.channelId, threadRoot?.id ?? null, anchor, limit);
      return {
        messages: await kit.withReactions(page.messages, user.id),
        hasMoreBefore: page.hasMoreBefore,
        hasMoreAfter: page.hasMoreAfter,
        threadRoot: threadRoot
          ? toMessageProto(threadRoot, await reactionsFor(threadRoot, user.id))
          : undefined,
      };
    },

    async editMessage(req, ctx) {
      const user = signedIn(ctx);
      await kit.asMember(req.channelId, user);
      const mentionCandidates = await kit.mentions(req.text, {
        userId: user.id,
        channelId: req.channelId,
      });
      const result = await messages.editMessage(
        req.channelId,
        req.messageId.toLowerCase(),
        user.id,
        req.text,
        mentionCandidates,
        kit.now(),
      );
      if (result.kind !== "ok") throw refusal(result, user.id);
      // The newly mentioned are owed a notification, recorded with the edit (the relay sends it).
      const { message } = result.value;
      return { message: toMessageProto(message, await reactionsFor(message, user.id)) };
    },

    async deleteMessage(req, ctx) {
      const user = signedIn(ctx);
      const { member } = await kit.access(req.channelId, user);
      if (!member && !isAdmin(user)) throw errors.notAMember();
      const result = await messages.deleteMessage(
        req.channelId,
        req.messageId.toLowerCase(),
        user.id,
        (message) =>
          isAdmin(user) ||
          member?.role === "owner" ||
          (member !== undefined && message.authorId === user.id),
        kit.now(),
      );
      if (result.kind !== "ok") {
        throw refusal(result, user.id, { not_author: errors.cannotDeleteMessage });
      }
      if (result.events.length > 0 && result.value.authorId !== user.id) {
        logger.info(
          { userId: user.id, channelId: req.channelId, messageId: result.value.id },
          "message deleted by a moderator",
        );
      }
      return { message: toMessageProto(result.value) };
    },

    async addReaction(req, ctx) {
      return { reactions: await react(req, signedIn(ctx).id, true) };
    },

    async removeReaction(req, ctx) {
      return { reactions: await react(req, signedIn(ctx).id, false) };
    },
  };

  async function react(
    req: { channelId: string; messageId: string; emoji: string },
    userId: string,
    added: boolean,
  ) {
    if (!isReactionEmoji(req.emoji)) throw errors.notAnEmoji();
    const result = await messages.setReaction(
      req.channelId,
      req.messageId.toLowerCase(),
      userId,
      req.emoji,
      added,
      MAX_REACTION_EMOJIS,
      kit.now(),
    );
    if (result.kind !== "ok") throw refusal(result, userId);
    return toReactionProtos(result.value);
  }

  async function anchorOf(
    req: ListMessagesRequest,
    threadRootId: string | null,
  ): Promise<HistoryAnchor> {
    switch (req.anchor.case) {
      case "beforeSeq":
        return { kind: "before", seq: seqOf(req.anchor.value) };
      case "afterSeq":
        return { kind: "after", seq: seqOf(req.anchor.value) };
      case "aroundSeq":
        return { kind: "around", seq: seqOf(req.anchor.value) };
      case "aroundMessageId": {
        const target = await messages.getMessage(req.channelId, req.anchor.value.toLowerCase());
        if (!target) throw errors.messageNotFound();
        if (target.threadRootId !== threadRootId) throw errors.aroundMessageOutsideView();
        return { kind: "around", seq: target.seq };
      }
      default:
        return { kind: "newest" };
    }
  }
}

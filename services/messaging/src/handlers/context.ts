import type { HandlerContext } from "@connectrpc/connect";
import { type AuthenticatedUser, type DomainError, kUser } from "@parley/mesh";
import * as errors from "../errors.js";
import type { EventPublisher } from "../event-publisher.js";
import type { Hub } from "../live/hub.js";
import { resolveMentions } from "../mentions.js";
import type {
  ChannelRecord,
  ChannelStore,
  Clock,
  EventLog,
  Logger,
  MemberRecord,
  MessageRecord,
  MessageStore,
  MessageWriteRefusal,
  RateLimiter,
  SendRefusal,
  UserDirectory,
} from "../ports.js";
import type { PresenceTracker } from "../presence/presence-tracker.js";
import { toMessageProto } from "../proto-mapping.js";
import type { SendsInHand } from "../sends-in-hand.js";
import type { TypingThrottle } from "../typing-throttle.js";

/** Operational settings the handlers read (a slice of `MessagingConfig`). */
export interface MessagingServiceSettings {
  readonly heartbeatIntervalMs: number;
  readonly eventRetentionCount: number;
  readonly eventRetentionMs: number;
  readonly streamQueueLimit: number;
}

/** Everything the use cases need, already built: no I/O happens while assembling the service. */
export interface MessagingServiceDeps {
  readonly channels: ChannelStore;
  readonly messages: MessageStore;
  readonly events: EventLog;
  readonly hub: Hub;
  /** Ephemeral events (typing, read state); durable ones are published by the store's commit hook. */
  readonly publisher: EventPublisher;
  readonly presence: PresenceTracker;
  readonly typing: TypingThrottle;
  readonly users: UserDirectory;
  /** Per-user limit on SendMessage; undefined switches it off. */
  readonly sendLimiter: RateLimiter | undefined;
  /** Back-pressure: SendMessage calls in hand on this instance, and their limit. */
  readonly sendsInHand: SendsInHand;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: MessagingServiceSettings;
}

/** A channel the caller may act on, with the caller's membership (if any). */
export interface ChannelAccess {
  readonly channel: ChannelRecord;
  readonly member: MemberRecord | undefined;
}

/** The signed-in caller, or `unauthenticated`. */
export function signedIn(ctx: HandlerContext): AuthenticatedUser {
  const user = ctx.values.get(kUser);
  if (!user) throw errors.notSignedIn();
  return user;
}

export function isAdmin(user: AuthenticatedUser): boolean {
  return user.role === "admin";
}

/**
 * Helpers the handlers share: loading a channel under an access rule, mapping the store's
 * refusals to domain errors, resolving mentions.
 */
export class HandlerKit {
  constructor(readonly deps: MessagingServiceDeps) {}

  now(): number {
    return this.deps.clock.now();
  }

  /** A live channel and the caller's membership, or `not_found`. */
  async access(channelId: string, user: AuthenticatedUser): Promise<ChannelAccess> {
    const channel = await this.deps.channels.getChannel(channelId);
    if (!channel) throw errors.channelNotFound();
    const member = await this.deps.channels.getMember(channelId, user.id);
    return { channel, member };
  }

  /** Members only (reading and writing a channel): `permission_denied` for anyone else. */
  async asMember(
    channelId: string,
    user: AuthenticatedUser,
  ): Promise<ChannelAccess & { readonly member: MemberRecord }> {
    const access = await this.access(channelId, user);
    if (!access.member) throw errors.notAMember();
    return { channel: access.channel, member: access.member };
  }

  /**
   * Owners and platform admins (channel administration). Direct channels have no owners:
   * `failed_precondition` for their members and admins, `permission_denied` for anyone else.
   */
  async asManager(
    channelId: string,
    user: AuthenticatedUser,
    directError: () => DomainError,
  ): Promise<ChannelAccess> {
    const access = await this.access(channelId, user);
    if (access.channel.kind === "direct" && (access.member || isAdmin(user))) throw directError();
    if (access.member?.role !== "owner" && !isAdmin(user)) throw errors.ownersOnly();
    return access;
  }

  /** Every id in `ids` must be a known account (`not_found` naming the others). */
  async requireKnownUsers(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    let found: Map<string, unknown>;
    try {
      found = await this.deps.users.lookupByIds(ids);
    } catch (err) {
      throw errors.directoryUnavailable(err);
    }
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length > 0) throw errors.unknownUsers(unknown);
  }

  /**
   * The text's mentions as user ids. When auth cannot be reached the message is still sent,
   * without mentions: delivering the message matters more than the highlight.
   */
  async mentions(text: string, context: object): Promise<string[]> {
    try {
      return await resolveMentions(text, this.deps.users);
    } catch (err) {
      this.deps.logger.warn({ err, ...context }, "mentions not resolved: user directory failed");
      return [];
    }
  }

  /** Messages as the caller sees them (reactions relative to the caller). */
  async withReactions(messages: readonly MessageRecord[], viewerId: string) {
    const reactions = await this.deps.messages.reactionsOf(
      messages.filter((m) => m.deletedAt === null).map((m) => m.id),
      viewerId,
    );
    return messages.map((m) => toMessageProto(m, reactions.get(m.id)));
  }
}

/** The domain error for a store refusal. `callerId` tells "you" from "user X" in limit errors. */
export function refusal(
  refused: SendRefusal | MessageWriteRefusal,
  callerId: string,
  overrides: Partial<Record<(SendRefusal | MessageWriteRefusal)["kind"], () => DomainError>> = {},
): DomainError {
  const override = overrides[refused.kind];
  if (override) return override();
  switch (refused.kind) {
    case "not_found":
      return errors.channelNotFound();
    case "archived":
      return errors.archived();
    case "direct":
      return errors.directMembershipFixed();
    case "not_member":
      return errors.notAMember();
    case "name_taken":
      return errors.nameTaken();
    case "membership_limit":
      return errors.membershipLimit(refused.userId, refused.userId === callerId);
    case "last_owner":
      return errors.lastOwner();
    case "not_public":
      return errors.closedChannel();
    case "key_reused":
      return errors.idempotencyKeyReused();
    case "root_not_found":
      return errors.threadRootNotFound();
    case "root_is_reply":
      return errors.threadRootIsReply();
    case "root_deleted":
      return errors.threadRootDeleted();
    case "message_not_found":
      return errors.messageNotFound();
    case "message_deleted":
      return errors.messageDeleted();
    case "not_author":
      return errors.authorOnly();
    case "too_many_emojis":
      return errors.tooManyEmojis();
  }
}

import { Code } from "@connectrpc/connect";
import { DomainError, rateLimited } from "@parley/mesh";

/**
 * Every failure messaging reports on purpose: its Connect code and the words a person sees. Kept
 * in one place so wording stays consistent and nothing internal (SQL, Redis, stack traces) reaches
 * the wire; the mesh's error interceptor turns these into `ConnectError`s.
 *
 * Existence is not hidden: an unknown channel is `not_found` and someone else's private or direct
 * channel is `permission_denied`, as the contract's GetChannel documents. Channel ids are random
 * UUIDs, so this reveals only that an id someone already holds is real.
 */

export function notSignedIn(): DomainError {
  return new DomainError(Code.Unauthenticated, "sign in first: this call needs an access token");
}

export function channelNotFound(): DomainError {
  return new DomainError(Code.NotFound, "there is no channel with this id");
}

export function messageNotFound(): DomainError {
  return new DomainError(Code.NotFound, "there is no message with this id in this channel");
}

export function threadRootNotFound(): DomainError {
  return new DomainError(
    Code.NotFound,
    "thread_root_id is not a top-level message of this channel",
  );
}

export function notAMember(): DomainError {
  return new DomainError(
    Code.PermissionDenied,
    "you are not a member of this channel; join it (public channels) or ask a member to add you",
  );
}

/** A private or direct channel the caller is not in. */
export function closedChannel(): DomainError {
  return new DomainError(
    Code.PermissionDenied,
    "this channel is private; only its members can see it, and a member must add you",
  );
}

export function ownersOnly(): DomainError {
  return new DomainError(
    Code.PermissionDenied,
    "only the channel's owners or a platform admin can do this",
  );
}

export function authorOnly(): DomainError {
  return new DomainError(Code.PermissionDenied, "only the author can edit a message");
}

export function cannotDeleteMessage(): DomainError {
  return new DomainError(
    Code.PermissionDenied,
    "only the author, a channel owner or a platform admin can delete this message",
  );
}

export function archived(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "this channel is archived; an owner or admin must unarchive it before anything changes",
  );
}

export function directMembershipFixed(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "a direct channel's participants are fixed; open another direct channel for other people",
  );
}

export function directChannelNotEditable(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "direct channels have no name or topic and cannot be archived",
  );
}

export function lastOwner(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "the channel would be left without an owner: make another member an owner first",
  );
}

export function membershipLimit(userId: string, isCaller: boolean): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    isCaller
      ? "you belong to the maximum number of channels (2,000); leave one first"
      : `user ${userId} belongs to the maximum number of channels (2,000)`,
  );
}

/** Only reachable if validation is bypassed: the contract allows public and private only. */
export function invalidKind(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "kind must be CHANNEL_KIND_PUBLIC or CHANNEL_KIND_PRIVATE; open direct channels with OpenDirectChannel",
  );
}

/** Only reachable if validation is bypassed: the contract rejects MEMBER_ROLE_UNSPECIFIED. */
export function invalidRole(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "role must be MEMBER_ROLE_MEMBER or MEMBER_ROLE_OWNER",
  );
}

/** Only reachable if validation is bypassed: the contract allows online and away only. */
export function invalidStatus(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "status must be PRESENCE_STATUS_ONLINE or PRESENCE_STATUS_AWAY",
  );
}

export function nameTaken(): DomainError {
  return new DomainError(Code.AlreadyExists, "a channel with this name already exists");
}

export function idempotencyKeyReused(): DomainError {
  return new DomainError(
    Code.AlreadyExists,
    "this idempotency_key was already used for a different message; make a new key per message",
  );
}

export function threadRootIsReply(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "thread_root_id is itself a reply; reply to the thread's top-level message",
  );
}

export function threadRootDeleted(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "the thread's top-level message was deleted; no new replies can be added",
  );
}

export function messageDeleted(): DomainError {
  return new DomainError(Code.FailedPrecondition, "this message was deleted");
}

export function tooManyEmojis(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "this message already has 20 different reactions; react with one of them",
  );
}

export function notAnEmoji(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    'emoji must be one Unicode emoji (e.g. "👍") or a :short_code: of letters, digits, "_", "+" and "-"',
  );
}

export function unknownUsers(ids: readonly string[]): DomainError {
  const shown = ids.slice(0, 5).join(", ");
  return new DomainError(
    Code.NotFound,
    `no user with id ${shown}${ids.length > 5 ? ` and ${ids.length - 5} more` : ""}`,
  );
}

export function directWithOnlySelf(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "user_ids must name at least one person besides you",
  );
}

export function removeSelf(): DomainError {
  return new DomainError(Code.InvalidArgument, "to remove yourself, use LeaveChannel");
}

export function memberNotFound(): DomainError {
  return new DomainError(Code.NotFound, "this user is not a member of the channel");
}

export function invalidPageToken(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "page_token is malformed or belongs to a different listing; start again from the first page",
  );
}

export function aroundMessageOutsideView(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "around_message_id is not in the requested view (a reply when listing top-level messages, or a message of another thread)",
  );
}

export function tooManyMessages(retryAfterMs: number): DomainError {
  return rateLimited("messages", retryAfterMs);
}

/** This instance has as many SendMessage calls in hand as it takes: retry shortly. */
export function sendsOverloaded(): DomainError {
  return new DomainError(
    Code.ResourceExhausted,
    "the server is busy with other messages; try again in 1 second",
    { metadata: { "retry-after": "1" } },
  );
}

export function directoryUnavailable(cause: unknown): DomainError {
  return new DomainError(
    Code.Unavailable,
    "user accounts cannot be checked right now; try again shortly",
    { cause },
  );
}

export function presenceUnavailable(cause: unknown): DomainError {
  return new DomainError(Code.Unavailable, "presence is unavailable right now; try again shortly", {
    cause,
  });
}

export function streamTooSlow(): DomainError {
  return new DomainError(
    Code.Unavailable,
    "the stream was read too slowly and was closed; reconnect with your positions to continue",
  );
}

export function streamExpired(): DomainError {
  return new DomainError(
    Code.Unauthenticated,
    "the access token of this stream expired; refresh the session and reconnect with your positions",
  );
}

export function shuttingDown(): DomainError {
  return new DomainError(
    Code.Unavailable,
    "this server is shutting down; reconnect with your positions",
  );
}

/** Delivery failed on the server's side (e.g. the database was unavailable). */
export function streamInterrupted(): DomainError {
  return new DomainError(
    Code.Unavailable,
    "the stream was interrupted; reconnect with your positions to continue",
  );
}

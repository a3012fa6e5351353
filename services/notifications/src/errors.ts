import { Code } from "@connectrpc/connect";
import { DomainError, rateLimited } from "@parley/mesh";

/**
 * Every failure the notifications service reports on purpose: its Connect code and the words a
 * person sees. Kept in one place so wording stays consistent and nothing internal (SQL, push
 * service answers, stack traces) reaches the wire; the mesh's error interceptor turns these into
 * `ConnectError`s.
 */

export function notSignedIn(): DomainError {
  return new DomainError(Code.Unauthenticated, "sign in first: this call needs an access token");
}

/** Notify without a mesh service identity (the mesh refuses this first; kept as a second lock). */
export function servicesOnly(): DomainError {
  return new DomainError(
    Code.PermissionDenied,
    "Notify may only be called by mesh services allowed by the mesh policy",
  );
}

export function invalidPageToken(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "page_token is malformed or belongs to different filters; start again from the first page",
  );
}

/** Only reachable if validation is bypassed: the contract requires exactly one selector. */
export function noReadSelector(): DomainError {
  return new DomainError(Code.InvalidArgument, "set exactly one of ids, up_to, all and channel_id");
}

/** Only reachable if validation is bypassed: the contract rejects unknown kinds. */
export function invalidKind(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "kind must be one of the NotificationKind values other than NOTIFICATION_KIND_UNSPECIFIED",
  );
}

/** Only reachable if validation is bypassed: the contract requires a target. */
export function noPushTarget(): DomainError {
  return new DomainError(Code.InvalidArgument, "set id or endpoint");
}

/** A timestamp that cannot be a real instant (outside what the store can hold). */
export function invalidTime(field: string): DomainError {
  return new DomainError(Code.InvalidArgument, `${field} is not a valid time`);
}

/** A mute's end that is not in the future (the contract's `gt_now`, checked again here). */
export function muteInPast(field: string): DomainError {
  return new DomainError(Code.InvalidArgument, `${field} must be in the future`);
}

/** Only reachable if validation is bypassed: the contract allows each kind once. */
export function duplicateKinds(): DomainError {
  return new DomainError(Code.InvalidArgument, "kinds: each kind at most once");
}

/** The same channel twice in mute_channels (ids differing only in case are the same channel). */
export function duplicateChannels(): DomainError {
  return new DomainError(Code.InvalidArgument, "mute_channels: each channel at most once");
}

export function channelConflict(): DomainError {
  return new DomainError(Code.InvalidArgument, "a channel cannot be both muted and unmuted");
}

export function invalidPushKeys(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "p256dh must be a P-256 public key (65 bytes, uncompressed) and auth 16 bytes, both base64url",
  );
}

export function tooManyChannelMutes(max: number): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    `you can mute at most ${max.toLocaleString("en-US")} channels; unmute some first`,
  );
}

export function tooManyWrites(retryAfterMs: number): DomainError {
  return rateLimited("changes to your notifications", retryAfterMs);
}

export function streamTooSlow(): DomainError {
  return new DomainError(
    Code.Unavailable,
    "the stream was read too slowly and was closed; reconnect and refetch your notifications",
  );
}

export function streamExpired(): DomainError {
  return new DomainError(
    Code.Unauthenticated,
    "the access token of this stream expired; refresh the session and reconnect",
  );
}

export function shuttingDown(): DomainError {
  return new DomainError(Code.Unavailable, "this server is shutting down; reconnect");
}

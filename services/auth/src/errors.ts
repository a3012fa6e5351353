import { Code } from "@connectrpc/connect";
import { DomainError, rateLimited } from "@parley/mesh";

/**
 * Every failure auth reports on purpose: its Connect code and the words a person sees. Kept in
 * one place so wording stays consistent and nothing internal (SQL, hashes, key ids) reaches the
 * wire. The mesh's error interceptor turns these into `ConnectError`s.
 */

/** Unknown account and wrong password read exactly the same, so sign-in reveals no accounts. */
export function invalidCredentials(): DomainError {
  return new DomainError(Code.Unauthenticated, "wrong username/email or password");
}

export function usernameTaken(): DomainError {
  return new DomainError(Code.AlreadyExists, "this username is taken; choose another one");
}

export function emailTaken(): DomainError {
  return new DomainError(
    Code.AlreadyExists,
    "an account with this email address already exists; sign in or reset the password",
  );
}

/** A refresh token that is unknown, expired, revoked or replayed: the client must sign in again. */
export function sessionExpired(): DomainError {
  return new DomainError(Code.Unauthenticated, "your session has ended; sign in again");
}

export function notSignedIn(): DomainError {
  return new DomainError(Code.Unauthenticated, "sign in first: this call needs an access token");
}

/** The token is valid but its account no longer exists. */
export function accountGone(): DomainError {
  return new DomainError(Code.Unauthenticated, "this account no longer exists; sign in again");
}

export function adminOnly(): DomainError {
  return new DomainError(Code.PermissionDenied, "only admins can do this");
}

export function userNotFound(): DomainError {
  return new DomainError(Code.NotFound, "there is no user with this id");
}

export function lastAdmin(): DomainError {
  return new DomainError(
    Code.FailedPrecondition,
    "this is the last admin; make another account admin first",
  );
}

export function invalidResetToken(): DomainError {
  return new DomainError(Code.InvalidArgument, "this reset link is invalid or has expired");
}

/** Only reachable if validation is bypassed: the contract already rejects ROLE_UNSPECIFIED. */
export function invalidRole(): DomainError {
  return new DomainError(Code.InvalidArgument, "role must be ROLE_MEMBER or ROLE_ADMIN");
}

export function invalidPageToken(): DomainError {
  return new DomainError(
    Code.InvalidArgument,
    "page_token is not one this service issued; start again from the first page",
  );
}

export function tooManyLoginAttempts(retryAfterMs: number): DomainError {
  return rateLimited("sign-in attempts", retryAfterMs);
}

export function tooManyRegistrations(retryAfterMs: number): DomainError {
  return rateLimited("new accounts from this address", retryAfterMs);
}

export function tooManyResetRequests(retryAfterMs: number): DomainError {
  return rateLimited("password reset requests", retryAfterMs);
}

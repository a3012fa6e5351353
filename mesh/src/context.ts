import { createContextKey } from "@connectrpc/connect";

/** The signed-in person behind a request, from a verified access token. */
export interface AuthenticatedUser {
  /** auth's user id (UUID). */
  readonly id: string;
  /** Platform role from the token. */
  readonly role: "member" | "admin";
  /** The access token's `jti`, for logout and audit. */
  readonly tokenId: string;
  /** When the access token expires. */
  readonly expiresAt: Date;
}

/** The service on the other end of an mTLS connection, from its certificate's SPIFFE URI SAN. */
export interface PeerService {
  /** Full SPIFFE id, e.g. `spiffe://parley.local/svc/messaging`. */
  readonly spiffeId: string;
  /** The service name at the end of the id, e.g. `messaging`. */
  readonly name: string;
}

/** Set by the authentication interceptor when the request carries a valid access token. */
export const kUser = createContextKey<AuthenticatedUser | undefined>(undefined, {
  description: "signed-in user",
});

/** Set by serve() from the client certificate in mesh mode; undefined without mTLS. */
export const kPeerService = createContextKey<PeerService | undefined>(undefined, {
  description: "calling service identity",
});

/** The client's network address (the edge's X-Forwarded-For is trusted only from the edge). */
export const kClientAddress = createContextKey<string>("", { description: "client address" });

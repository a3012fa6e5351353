import type { HandlerContext } from "@connectrpc/connect";
import { type AuthenticatedUser, kUser } from "@parley/mesh";
import * as errors from "../errors.js";
import type { NotificationHub } from "../live/hub.js";
import type {
  Clock,
  InboxStore,
  Logger,
  PreferenceStore,
  PushSubscriptionStore,
  RateLimiter,
} from "../ports.js";

/** Operational settings the handlers read (a slice of `NotificationsConfig`). */
export interface NotificationServiceSettings {
  readonly heartbeatIntervalMs: number;
  readonly streamQueueLimit: number;
  /** How long a queued Web Push stays worth sending (the push TTL). */
  readonly pushTtlMs: number;
  /** Whether Web Push is sent at all (off: subscriptions are kept, nothing is queued). */
  readonly pushEnabled: boolean;
}

/** Everything the use cases need, already built: no I/O happens while assembling the service. */
export interface NotificationServiceDeps {
  readonly inbox: InboxStore;
  readonly preferences: PreferenceStore;
  readonly pushSubscriptions: PushSubscriptionStore;
  readonly hub: NotificationHub;
  /** The VAPID public key (base64url), for GetVapidPublicKey. */
  readonly vapidPublicKey: string;
  /** Told when Notify queued Web Push deliveries (the dispatcher sends them at once). */
  readonly onPushQueued: () => void;
  /** Per-person limit on the RPCs that write; undefined switches it off. */
  readonly writeLimiter: RateLimiter | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: NotificationServiceSettings;
}

/** The signed-in caller, or `unauthenticated`. */
export function signedIn(ctx: HandlerContext): AuthenticatedUser {
  const user = ctx.values.get(kUser);
  if (!user) throw errors.notSignedIn();
  return user;
}

/** Takes one write from the person's budget, or `resource_exhausted` with `retry-after`. */
export async function limitWrites(deps: NotificationServiceDeps, user: AuthenticatedUser) {
  if (!deps.writeLimiter) return;
  const decision = await deps.writeLimiter.take(user.id);
  if (!decision.allowed) throw errors.tooManyWrites(decision.retryAfterMs);
}

/** Ids are UUIDs; the contract accepts either case, the stores keep lower case. */
export function normalizeId(id: string): string {
  return id.toLowerCase();
}

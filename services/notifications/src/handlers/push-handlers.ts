import type { ServiceImpl } from "@connectrpc/connect";
import type { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import * as errors from "../errors.js";
import { MAX_PUSH_SUBSCRIPTIONS } from "../limits.js";
import type { PushTarget } from "../ports.js";
import { fromTimestamp, toPushSubscriptionProto } from "../proto-mapping.js";
import { decodePushKeys, InvalidPushKeysError } from "../push/web-push-encryption.js";
import { limitWrites, type NotificationServiceDeps, normalizeId, signedIn } from "./context.js";

type PushMethods = Pick<
  ServiceImpl<typeof NotificationService>,
  | "getVapidPublicKey"
  | "registerPushSubscription"
  | "unregisterPushSubscription"
  | "listPushSubscriptions"
>;

/** Web Push: the server's public key, and the caller's own browser subscriptions. */
export function pushHandlers(deps: NotificationServiceDeps): PushMethods {
  const { pushSubscriptions, clock } = deps;
  return {
    async getVapidPublicKey() {
      return { publicKey: deps.vapidPublicKey };
    },

    async registerPushSubscription(req, ctx) {
      const user = signedIn(ctx);
      // The patterns only check the lengths; the key must also be a point on P-256, or nothing
      // could ever be encrypted for this browser.
      try {
        decodePushKeys({ p256dh: req.p256dh, auth: req.auth });
      } catch (err) {
        if (err instanceof InvalidPushKeysError) throw errors.invalidPushKeys();
        throw err;
      }
      await limitWrites(deps, user);
      const subscription = await pushSubscriptions.register(
        user.id,
        {
          endpoint: req.endpoint,
          p256dh: req.p256dh,
          auth: req.auth,
          userAgent: req.userAgent,
          expiresAt: req.expiresAt ? fromTimestamp(req.expiresAt) : null,
        },
        clock.now(),
        MAX_PUSH_SUBSCRIPTIONS,
      );
      return { subscription: toPushSubscriptionProto(subscription) };
    },

    async unregisterPushSubscription(req, ctx) {
      const user = signedIn(ctx);
      let target: PushTarget;
      switch (req.target.case) {
        case "id":
          target = { id: normalizeId(req.target.value) };
          break;
        case "endpoint":
          target = { endpoint: req.target.value };
          break;
        default:
          throw errors.noPushTarget();
      }
      await limitWrites(deps, user);
      // Someone else's subscription is as unknown to the caller as one that never existed.
      await pushSubscriptions.unregister(user.id, target);
      return {};
    },

    async listPushSubscriptions(_req, ctx) {
      const user = signedIn(ctx);
      const subscriptions = await pushSubscriptions.list(user.id);
      return { subscriptions: subscriptions.map(toPushSubscriptionProto) };
    },
  };
}

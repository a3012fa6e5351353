import type { ServiceImpl } from "@connectrpc/connect";
import {
  type NotificationService,
  NotifyOutcome,
} from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import { kPeerService } from "@parley/mesh";
import * as errors from "../errors.js";
import { createdEvent } from "../event-codec.js";
import { kindFromProto } from "../kinds.js";
import type { NotificationContent, RecipientPlan, RecipientResult } from "../ports.js";
import { decide } from "../preferences.js";
import { type NotificationServiceDeps, normalizeId } from "./context.js";

type NotifyMethod = Pick<ServiceImpl<typeof NotificationService>, "notify">;

const OUTCOMES: Record<RecipientResult["outcome"], NotifyOutcome> = {
  created: NotifyOutcome.CREATED,
  duplicate: NotifyOutcome.DUPLICATE,
  suppressed: NotifyOutcome.SUPPRESSED,
};

/**
 * Notify, for mesh services: applies each recipient's preferences, stores what is left
 * idempotently (per calling service, key and recipient), streams it to the recipients and
 * queues Web Push. Everything after the commit is best effort and never fails the call.
 */
export function notifyHandler(deps: NotificationServiceDeps): NotifyMethod {
  const { inbox, preferences, hub, clock, logger, settings } = deps;
  return {
    async notify(req, ctx) {
      // The mesh lets only services the policy names reach this; in-process callers identify
      // themselves the same way (see `inProcessTransport`).
      const caller = ctx.values.get(kPeerService)?.name;
      if (!caller) throw errors.servicesOnly();
      const kind = kindFromProto(req.kind);
      if (!kind) throw errors.invalidKind();
      const content: NotificationContent = {
        kind,
        title: req.title,
        body: req.body,
        channelId: normalizeId(req.channelId),
        messageId: normalizeId(req.messageId),
        threadRootId: normalizeId(req.threadRootId),
        actorUserId: normalizeId(req.actorUserId),
        link: req.link,
      };
      const recipients = req.recipientUserIds.map(normalizeId);
      const now = clock.now();
      const prefs = await preferences.forNotify([...new Set(recipients)], content.channelId, now);

      const plans: RecipientPlan[] = [];
      const self = new Set<number>();
      recipients.forEach((userId, index) => {
        const preference = prefs.get(userId);
        const decision = preference
          ? decide(userId, preference, content, now)
          : ({ outcome: "create", push: true } as const);
        if (decision.outcome === "self") self.add(index);
        else {
          plans.push({
            userId,
            create: decision.outcome === "create",
            push: decision.outcome === "create" && decision.push && settings.pushEnabled,
          });
        }
      });
      const stored = await inbox.record({
        caller,
        key: req.idempotencyKey,
        content,
        recipients: plans,
        now,
        pushExpiresAt: now + settings.pushTtlMs,
      });

      let pushQueued = 0;
      const tally = { created: 0, duplicate: 0, suppressed: 0, self: self.size };
      for (const result of stored) {
        tally[result.outcome]++;
        if (result.outcome !== "created") continue;
        hub.publish(result.userId, createdEvent(result.notification, result.unreadCount));
        pushQueued += result.pushQueued;
      }
      if (pushQueued > 0) deps.onPushQueued();
      logger.debug(
        {
          caller,
          kind,
          key: req.idempotencyKey,
          recipients: recipients.length,
          ...tally,
          pushQueued,
        },
        "notify",
      );

      let next = 0;
      return {
        results: req.recipientUserIds.map((given, index) => {
          if (self.has(index)) {
            return { userId: given, outcome: NotifyOutcome.SELF, notificationId: "" };
          }
          const result = stored[next++];
          if (!result) throw new Error("the store answered for fewer recipients than asked");
          return {
            userId: given,
            outcome: OUTCOMES[result.outcome],
            notificationId:
              result.outcome === "created"
                ? result.notification.id
                : result.outcome === "duplicate"
                  ? result.notificationId
                  : "",
          };
        }),
      };
    },
  };
}

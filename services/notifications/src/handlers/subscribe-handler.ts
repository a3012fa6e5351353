import { randomUUID } from "node:crypto";
import type { ServiceImpl } from "@connectrpc/connect";
import type { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import * as errors from "../errors.js";
import { heartbeatEvent, subscribedEvent } from "../event-codec.js";
import { NotificationStream } from "../live/notification-stream.js";
import { type NotificationServiceDeps, signedIn } from "./context.js";

type SubscribeMethod = Pick<ServiceImpl<typeof NotificationService>, "subscribe">;

/** Longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The caller's live stream (events.proto): `subscribed` with the unread count first, then their
 * new and read notifications as they happen on any instance, and heartbeats. Nothing is
 * replayed. Heartbeats carry the unread count read from the store, so a stream that missed an
 * event while the bus was down shows the right badge again within one interval.
 */
export function subscribeHandler(deps: NotificationServiceDeps): SubscribeMethod {
  const { hub, inbox, clock, logger, settings } = deps;
  return {
    async *subscribe(_req, ctx) {
      const user = signedIn(ctx);
      const expiresAt = user.expiresAt.getTime();
      if (expiresAt <= clock.now()) throw errors.streamExpired();

      const stream = new NotificationStream({
        id: randomUUID(),
        userId: user.id,
        maxPending: settings.streamQueueLimit,
        logger,
      });
      let expiry: NodeJS.Timeout | undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      let finished = false;
      // Released once: when the generator finishes, and straight from the abort signal (a
      // cancelled generator is not always resumed to run its finally block).
      const finish = (error?: unknown) => {
        if (finished) return;
        finished = true;
        ctx.signal.removeEventListener("abort", onAbort);
        clearTimeout(expiry);
        clearInterval(heartbeat);
        hub.unregister(stream);
        stream.close(error);
        logger.debug({ userId: user.id, streamId: stream.id }, "notification stream closed");
      };
      const onAbort = () => finish(errors.shuttingDown());
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      const armExpiry = (left: number) => {
        if (left <= 0) {
          finish(errors.streamExpired());
          return;
        }
        const delay = Math.min(left, MAX_TIMER_MS);
        expiry = setTimeout(() => armExpiry(left - delay), delay);
        expiry.unref();
      };
      const beat = async () => {
        let count = stream.lastUnreadCount;
        try {
          count = await inbox.unreadCount(user.id);
        } catch (err) {
          logger.warn({ err, userId: user.id }, "unread count unavailable for a heartbeat");
        }
        stream.trySend(heartbeatEvent(count, clock.now()));
      };

      // Registered before the count is read: whatever happens from here on reaches the stream,
      // after `subscribed`.
      hub.register(stream);
      try {
        if (ctx.signal.aborted) onAbort();
        const unreadCount = await inbox.unreadCount(user.id);
        if (!finished) {
          stream.start(
            subscribedEvent({
              unreadCount,
              heartbeatIntervalMs: settings.heartbeatIntervalMs,
              expiresAt,
              now: clock.now(),
            }),
          );
          armExpiry(expiresAt - clock.now());
          heartbeat = setInterval(() => void beat(), settings.heartbeatIntervalMs);
          heartbeat.unref();
          logger.debug({ userId: user.id, streamId: stream.id }, "notification stream opened");
        }
        for await (const event of stream.events()) yield { event };
      } finally {
        finish();
      }
    },
  };
}

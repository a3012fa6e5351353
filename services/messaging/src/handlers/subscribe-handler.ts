import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type MessagingEvent,
  type StreamPosition,
  type SubscribedChannel,
  SubscribedChannelSchema,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import type { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { kStreamSink } from "@parley/mesh";
import * as errors from "../errors.js";
import { heartbeatEvent, subscribedEvent } from "../event-codec.js";
import { QueueOutlet, SinkOutlet } from "../live/outlet.js";
import { decideRecovery } from "../live/recovery.js";
import { type InboxItem, Subscriber } from "../live/subscriber.js";
import { toReadStateProto } from "../proto-mapping.js";
import { type HandlerKit, signedIn } from "./context.js";

type SubscribeMethod = Pick<ServiceImpl<typeof MessagingService>, "subscribe">;

/** Longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The live event stream (see events.proto for its guarantees). */
export function subscribeHandler(kit: HandlerKit): SubscribeMethod {
  const { hub, events, clock, logger, presence, settings } = kit.deps;

  /**
   * Sets a stream up without losing or repeating anything: the stream is registered with the hub
   * first (live events for it queue up from then on), then the caller's memberships are read and
   * each channel's recovery decided; the missed events are queued for replay from the log ahead
   * of the live ones. Returns `subscribed`, which the caller sends first, before it starts the
   * subscriber (replay, then the queued live events, offsets already delivered skipped).
   */
  async function open(
    subscriber: Subscriber,
    positions: readonly StreamPosition[],
    expiresAt: number,
  ): Promise<MessagingEvent> {
    const now = clock.now();
    const joined = await events.snapshot(subscriber.userId);
    const wanted = new Map(positions.map((p) => [p.channelId.toLowerCase(), p]));
    const window = {
      maxEvents: settings.eventRetentionCount,
      notBefore: now - settings.eventRetentionMs,
    };
    const channels: SubscribedChannel[] = [];
    for (const { channel, member, readState } of joined) {
      const position = wanted.get(channel.id);
      wanted.delete(channel.id);
      const decision = await decideRecovery({
        channelId: channel.id,
        head: { epoch: channel.epoch, offset: channel.lastOffset },
        joinedOffset: member.joinedOffset,
        position: position && {
          epoch: position.epoch,
          offset:
            position.offset > BigInt(Number.MAX_SAFE_INTEGER)
              ? Number.MAX_SAFE_INTEGER
              : Number(position.offset),
        },
        window,
        log: events,
      });
      subscriber.follow(channel.id, channel.epoch, decision.from);
      channels.push(
        create(SubscribedChannelSchema, {
          channelId: channel.id,
          epoch: channel.epoch,
          offset: BigInt(channel.lastOffset),
          recovery: decision.status,
          resetReason: decision.reason,
          readState: toReadStateProto(readState),
        }),
      );
    }
    const subscribed = subscribedEvent({
      channels,
      goneChannelIds: [...wanted.keys()],
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      expiresAt,
      now,
    });
    // Replay: every followed channel whose log now goes beyond where the stream starts (missed
    // events, and anything committed while the stream was being set up).
    const followed = subscriber.followedChannels();
    const heads = await events.heads(followed);
    const replay: InboxItem[] = [];
    for (const channelId of followed) {
      const head = heads.get(channelId);
      const from = subscriber.cursorOf(channelId);
      if (head && from !== undefined && head.offset > from) {
        replay.push({ kind: "catch-up", channelId });
      }
    }
    subscriber.prepend(replay);
    return subscribed;
  }

  return {
    async *subscribe(req, ctx) {
      const user = signedIn(ctx);
      const expiresAt = user.expiresAt.getTime();
      if (expiresAt <= clock.now()) throw errors.streamExpired();

      const subscriber = new Subscriber({
        id: randomUUID(),
        userId: user.id,
        log: events,
        clock,
        logger,
        maxPending: settings.streamQueueLimit,
        onAttach: (s, channelId) => hub.attach(s, channelId),
      });
      let expiry: NodeJS.Timeout | undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      let connection: Promise<string> | undefined;
      let finished = false;
      // Everything a stream holds is released here, once: when the generator finishes, and also
      // straight from the abort signal (a cancelled generator is not always resumed to finish).
      const finish = (error?: unknown) => {
        if (finished) return;
        finished = true;
        ctx.signal.removeEventListener("abort", onAbort);
        clearTimeout(expiry);
        clearInterval(heartbeat);
        hub.unregister(subscriber);
        subscriber.close(error);
        void connection?.then((id) => presence.disconnected(user.id, id));
        logger.debug({ userId: user.id, streamId: subscriber.id }, "stream closed");
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

      // Over serve(), the stream's events are written as shared pre-encoded frames.
      const sink = ctx.values.get(kStreamSink);
      sink?.onClose(() => finish());

      hub.register(subscriber);
      try {
        if (ctx.signal.aborted) onAbort();
        const subscribed = await open(subscriber, req.positions, expiresAt);
        if (!finished) {
          armExpiry(expiresAt - clock.now());
          heartbeat = setInterval(
            () => subscriber.trySend(heartbeatEvent(clock.now())),
            settings.heartbeatIntervalMs,
          );
          heartbeat.unref();
          // Presence never holds the stream up (its store may be slow or down).
          connection = presence.connected(user.id);
          logger.debug({ userId: user.id, streamId: subscriber.id }, "stream opened");
        }
        if (sink) {
          // `subscribed` goes the usual way (connect sends the headers with it); every event
          // after it is written to the sink until the stream ends.
          if (!finished) yield { event: subscribed };
          const outlet = new SinkOutlet(sink);
          subscriber.start(outlet);
          const error = await outlet.ended;
          if (error !== undefined) throw error;
        } else {
          const outlet = new QueueOutlet();
          outlet.offer(subscribed);
          subscriber.start(outlet);
          for await (const event of outlet.events()) yield { event };
        }
      } finally {
        finish();
      }
    },
  };
}

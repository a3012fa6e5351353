import { RecoveryStatus, ResetReason } from "@parley/gen/parley/messaging/v1/events_pb.js";
import type { EventLog, StreamHead } from "../ports.js";

/** What a client sent back for one channel: the last epoch and offset it applied. */
export interface ClientPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** Where a stream starts in one channel, and what `subscribed` says about it. */
export interface RecoveryDecision {
  readonly status: RecoveryStatus;
  readonly reason: ResetReason;
  /** The stream delivers the channel's events after this offset. */
  readonly from: number;
}

export interface RecoveryWindow {
  /** Durable events kept per channel. */
  readonly maxEvents: number;
  /** Events created before this time are outside the kept window, pruned or not. */
  readonly notBefore: number;
}

/**
 * Decides, as events.proto documents, whether a channel's missed events can be replayed to a
 * reconnecting client:
 * - no position: NEW (nothing replayed; the stream continues after the channel's current offset);
 * - another epoch: RESET (EPOCH_CHANGED);
 * - an offset beyond the newest: RESET (POSITION_AHEAD);
 * - further behind than the kept window (by count or age, or its first missing event already
 *   pruned), or behind the start of the caller's current membership (events in between happened
 *   while they were not a member and are not theirs to see): RESET (TOO_FAR_BEHIND);
 * - otherwise RECOVERED: every event after the client's offset follows.
 */
export async function decideRecovery(input: {
  readonly channelId: string;
  readonly head: StreamHead;
  /** Offset of the event that started the caller's current membership. */
  readonly joinedOffset: number;
  readonly position: ClientPosition | undefined;
  readonly window: RecoveryWindow;
  readonly log: Pick<EventLog, "readEvents">;
}): Promise<RecoveryDecision> {
  const { head, position } = input;
  const reset = (reason: ResetReason): RecoveryDecision => ({
    status: RecoveryStatus.RESET,
    reason,
    from: head.offset,
  });
  if (!position) {
    return { status: RecoveryStatus.NEW, reason: ResetReason.UNSPECIFIED, from: head.offset };
  }
  if (position.epoch !== head.epoch) return reset(ResetReason.EPOCH_CHANGED);
  if (position.offset > head.offset) return reset(ResetReason.POSITION_AHEAD);
  const recovered: RecoveryDecision = {
    status: RecoveryStatus.RECOVERED,
    reason: ResetReason.UNSPECIFIED,
    from: position.offset,
  };
  if (position.offset === head.offset) return recovered;
  if (position.offset < input.joinedOffset - 1) return reset(ResetReason.TOO_FAR_BEHIND);
  if (head.offset - position.offset > input.window.maxEvents) {
    return reset(ResetReason.TOO_FAR_BEHIND);
  }
  const [first] = await input.log.readEvents(input.channelId, position.offset, 1);
  if (!first || first.offset !== position.offset + 1 || first.createdAt < input.window.notBefore) {
    return reset(ResetReason.TOO_FAR_BEHIND);
  }
  return recovered;
}

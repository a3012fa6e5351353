import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  MembershipChange,
  type MessagingEvent,
  RecoveryStatus,
  type StreamPositionSchema,
  type Subscribed,
} from "@parley/gen/parley/messaging/v1/events_pb.js";

/** The last durable event applied for one channel. */
export interface Position {
  readonly epoch: string;
  readonly offset: bigint;
}

/**
 * What to do with an event: `apply` it; drop a `duplicate` (an offset already applied, e.g.
 * replayed twice across a reconnect); or `reset` the channel (reload its state: the stream said
 * so, or an offset is missing and can no longer be filled).
 */
export type Verdict = "apply" | "duplicate" | "reset";

/** How each channel came back in a `subscribed` event. */
export interface SubscribedOutcome {
  /** No position was sent (first connection, or joined while away): load with RPCs. */
  readonly fresh: readonly string[];
  /** Missed events follow on the stream; local state stays. */
  readonly recovered: readonly string[];
  /** Missed events are gone: reload the channel. */
  readonly reset: readonly string[];
  /** No longer the caller's (left, removed, deleted): drop it. */
  readonly gone: readonly string[];
}

/**
 * The client half of Subscribe's recovery protocol (events.proto): per channel, the epoch and
 * offset of the last durable event applied. Sent back on reconnect so the server replays exactly
 * what was missed; used meanwhile to drop repeats and notice gaps.
 */
export class StreamPositions {
  readonly #positions = new Map<string, Position>();

  get(channelId: string): Position | undefined {
    return this.#positions.get(channelId);
  }

  /** `SubscribeRequest.positions` for the next connection. */
  toRequest(): MessageInitShape<typeof StreamPositionSchema>[] {
    return [...this.#positions].map(([channelId, p]) => ({
      channelId,
      epoch: p.epoch,
      offset: p.offset,
    }));
  }

  /** The channel ids positions are kept for. */
  channelIds(): string[] {
    return [...this.#positions.keys()];
  }

  clear(): void {
    this.#positions.clear();
  }

  /** Takes in the first event of a stream. */
  onSubscribed(subscribed: Subscribed): SubscribedOutcome {
    const fresh: string[] = [];
    const recovered: string[] = [];
    const reset: string[] = [];
    for (const channel of subscribed.channels) {
      const theirs = { epoch: channel.epoch, offset: channel.offset };
      const ours = this.#positions.get(channel.channelId);
      if (channel.recovery === RecoveryStatus.RECOVERED && ours && ours.epoch === channel.epoch) {
        recovered.push(channel.channelId);
        continue;
      }
      this.#positions.set(channel.channelId, theirs);
      if (channel.recovery === RecoveryStatus.NEW) fresh.push(channel.channelId);
      else reset.push(channel.channelId);
    }
    const gone = [...subscribed.goneChannelIds];
    for (const id of gone) this.#positions.delete(id);
    return { fresh, recovered, reset, gone };
  }

  /**
   * Decides about one event after `subscribed`, and moves the channel's position when it is to
   * be applied. `selfUserId` lets it forget channels the caller just left.
   */
  accept(event: MessagingEvent, selfUserId: string): Verdict {
    const { channelId, payload } = event;
    if (payload.case === "channelReset") {
      this.#positions.set(channelId, { epoch: payload.value.epoch, offset: payload.value.offset });
      return "reset";
    }
    if (event.offset === 0n || !event.epoch) return "apply"; // ephemeral or stream state
    const ours = this.#positions.get(channelId);
    const theirs = { epoch: event.epoch, offset: event.offset };
    if (ours && ours.epoch === event.epoch) {
      if (event.offset <= ours.offset) return "duplicate";
      if (event.offset > ours.offset + 1n) {
        this.#positions.set(channelId, theirs);
        return "reset";
      }
    } else if (ours) {
      this.#positions.set(channelId, theirs);
      return "reset";
    }
    // The next offset, or the first event of a channel joined while connected.
    this.#positions.set(channelId, theirs);
    if (endsChannelFor(event, selfUserId)) this.#positions.delete(channelId);
    return "apply";
  }
}

/** The last event of a channel's stream for this person. */
export function endsChannelFor(event: MessagingEvent, selfUserId: string): boolean {
  const { payload } = event;
  if (payload.case === "channelDeleted") return true;
  if (payload.case !== "membershipChanged" || payload.value.userId !== selfUserId) return false;
  return (
    payload.value.change === MembershipChange.LEFT ||
    payload.value.change === MembershipChange.REMOVED
  );
}

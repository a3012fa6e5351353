/**
 * The workload both stacks get, identical to the message: who belongs to which channel, which
 * instance each subscriber is on, and the publish schedule (which channel, which author), drawn
 * from a seeded PRNG so every system sees the same sequence at every step.
 */

/** Index 0 is the busy channel (every subscriber); 1..smallChannels are the small ones. */
export interface ChannelPlan {
  readonly index: number;
  readonly name: string;
  /** Subscriber indexes, sorted; every one of them has a live stream or socket. */
  readonly members: readonly number[];
}

export interface WorkloadPlan {
  readonly subscribers: number;
  readonly channels: readonly ChannelPlan[];
  /** Per subscriber: the channel indexes it belongs to (busy channel first). */
  readonly channelsOf: readonly (readonly number[])[];
  readonly busyShare: number;
  /** Mean deliveries per published message (the mean fan-out). */
  readonly meanFanout: number;
}

/**
 * Subscriber `i` is on instance `i % 2`. Small channel memberships are dealt round-robin
 * (subscriber i takes slots i*m .. i*m+m-1, slot k goes to small channel k mod S), so the small
 * channels have equal sizes (± 1) and mix both instances.
 */
export function planWorkload(options: {
  subscribers: number;
  smallChannels: number;
  memberships: number;
  busyShare: number;
}): WorkloadPlan {
  const { subscribers, smallChannels, memberships, busyShare } = options;
  const members: number[][] = [Array.from({ length: subscribers }, (_, i) => i)];
  for (let c = 0; c < smallChannels; c++) members.push([]);
  const channelsOf: number[][] = [];
  for (let i = 0; i < subscribers; i++) {
    const own = [0];
    for (let j = 0; j < memberships; j++) {
      const c = 1 + ((i * memberships + j) % smallChannels);
      if (!own.includes(c)) {
        own.push(c);
        members[c]!.push(i);
      }
    }
    channelsOf.push(own);
  }
  const channels = members.map((m, index) => ({
    index,
    name: index === 0 ? "busy" : `small-${index}`,
    members: m.sort((a, b) => a - b),
  }));
  const small = channels.slice(1).filter((c) => c.members.length > 0);
  const smallMean =
    small.length === 0 ? 0 : small.reduce((sum, c) => sum + c.members.length, 0) / small.length;
  return {
    subscribers,
    channels,
    channelsOf,
    busyShare: small.length === 0 ? 1 : busyShare,
    meanFanout: (small.length === 0 ? 1 : busyShare) * subscribers + (1 - busyShare) * smallMean,
  };
}

/** mulberry32: small, fast, good enough to pick channels and authors reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One message of the schedule: where it goes and who sends it (a member of that channel). */
export interface Publish {
  readonly channel: number;
  readonly author: number;
}

/** An endless, reproducible schedule of publishes for a plan. */
export function scheduleOf(plan: WorkloadPlan, seed: number): () => Publish {
  const random = prng(seed);
  const small = plan.channels.slice(1).filter((c) => c.members.length > 0);
  return () => {
    const channel =
      small.length === 0 || random() < plan.busyShare
        ? plan.channels[0]!
        : small[Math.floor(random() * small.length)]!;
    const author = channel.members[Math.floor(random() * channel.members.length)]!;
    return { channel: channel.index, author };
  };
}

/**
 * The text of a bench message: `fanout <step> <seq> <t0>`, with t0 the sender's
 * `performance.now()` when the send was issued (the subscribers live in the same process, so the
 * clock is the same). Both stacks carry it untouched from sender to every subscriber.
 */
export function messageText(step: number, seq: number, t0: number): string {
  return `fanout ${step} ${seq} ${t0.toFixed(3)}`;
}

export interface ParsedText {
  readonly step: number;
  readonly seq: number;
  readonly t0: number;
}

export function parseMessageText(text: string): ParsedText | undefined {
  if (!text.startsWith("fanout ")) return undefined;
  const parts = text.split(" ");
  if (parts.length !== 4) return undefined;
  return { step: Number(parts[1]), seq: Number(parts[2]), t0: Number(parts[3]) };
}

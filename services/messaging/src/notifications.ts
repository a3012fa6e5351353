import type {
  ChannelRecord,
  MessageRecord,
  NotificationKindName,
  OutgoingNotification,
} from "./ports.js";

const TITLE_MAX = 200;
const BODY_MAX = 1000;

/** Who to tell about a new message, and why. */
export interface MessageAudience {
  readonly message: MessageRecord;
  readonly channel: ChannelRecord;
  /** The author's username (or id when the directory did not answer). */
  readonly authorName: string;
  /** Replies: the root's author and earlier repliers still in the channel. */
  readonly threadParticipants: readonly string[];
  /** Direct channels: every participant. */
  readonly directParticipants: readonly string[];
  /** Only these mentions (EditMessage notifies newly mentioned people only). */
  readonly mentioned: readonly string[];
}

/**
 * The notifications a stored message causes: one per person, for the strongest reason only
 * (mention, then direct message, then reply), never to the author. Idempotency keys derive from
 * the message, so a retried notify (from any instance) creates nothing twice.
 */
export function planMessageNotifications(audience: MessageAudience): OutgoingNotification[] {
  const { message, channel, authorName } = audience;
  const told = new Set<string>([message.authorId]);
  const pick = (ids: readonly string[]) => {
    const chosen = ids.filter((id) => !told.has(id));
    for (const id of chosen) told.add(id);
    return [...new Set(chosen)];
  };
  const where = channel.kind === "direct" ? "a direct message" : `#${channel.name}`;
  const planned: OutgoingNotification[] = [];
  const add = (kind: NotificationKindName, recipients: string[], title: string) => {
    if (recipients.length === 0) return;
    planned.push({
      idempotencyKey: `${kind}:${message.id}`,
      recipientIds: recipients,
      kind,
      title: clip(title, TITLE_MAX),
      body: clip(message.text, BODY_MAX),
      channelId: channel.id,
      messageId: message.id,
      threadRootId: message.threadRootId ?? "",
      actorId: message.authorId,
      link: messageLink(channel.id, message),
    });
  };
  add("mention", pick(audience.mentioned), `${authorName} mentioned you in ${where}`);
  add("direct_message", pick(audience.directParticipants), `${authorName} sent you a message`);
  add("reply", pick(audience.threadParticipants), `${authorName} replied in a thread in ${where}`);
  return planned;
}

/**
 * The invite notification for people added to a channel. Its key names the membership change
 * (`offset`), so someone removed and added again is told again, while a retried notify is not.
 */
export function planInvite(input: {
  readonly channel: ChannelRecord;
  readonly offset: number;
  readonly recipients: readonly string[];
  readonly actorId: string;
  readonly actorName: string;
}): OutgoingNotification | undefined {
  const recipients = input.recipients.filter((id) => id !== input.actorId);
  if (recipients.length === 0) return undefined;
  return {
    idempotencyKey: `invite:${input.channel.id}:${input.offset}`,
    recipientIds: recipients,
    kind: "invite",
    title: clip(`${input.actorName} added you to #${input.channel.name}`, TITLE_MAX),
    body: clip(input.channel.topic, BODY_MAX),
    channelId: input.channel.id,
    messageId: "",
    threadRootId: "",
    actorId: input.actorId,
    link: `/channels/${input.channel.id}`,
  };
}

function messageLink(channelId: string, message: MessageRecord): string {
  const thread = message.threadRootId ? `&thread=${message.threadRootId}` : "";
  return `/channels/${channelId}?message=${message.id}${thread}`;
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

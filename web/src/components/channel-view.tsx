import { ChannelKind, type JoinedChannel } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { useState } from "react";
import { displayName, useSelfId } from "../app/hooks.js";
import { navigate } from "../app/router.js";
import { useUsers } from "../app/use-users.js";
import { ChannelName, otherParticipants } from "./channel-name.js";
import { Composer } from "./composer.js";
import { BackIcon, HashIcon, LockIcon, UsersIcon } from "./icons.js";
import { MembersDialog } from "./members-dialog.js";
import { Timeline } from "./timeline.js";
import { TypingIndicator } from "./typing-indicator.js";

/** One channel: header, history, who is typing, and the message box. */
export function ChannelView({
  joined,
  threadId,
}: {
  joined: JoinedChannel;
  threadId: string | undefined;
}) {
  const channel = joined.channel;
  const selfId = useSelfId();
  const [showMembers, setShowMembers] = useState(false);
  const direct = channel?.kind === ChannelKind.DIRECT;
  const others = channel && direct ? otherParticipants(channel, selfId) : [];
  const people = useUsers(others);
  if (!channel) return null;
  const title = direct ? people.map((u) => displayName(u)).join(", ") : `#${channel.name}`;
  const archived = !!channel.archivedAt;
  return (
    <section className="channel" aria-labelledby="channel-title">
      <header className="channel-header">
        <button
          type="button"
          className="icon-button back"
          aria-label="Back to channels"
          onClick={() => navigate({})}
        >
          <BackIcon />
        </button>
        <span className="channel-header-icon" aria-hidden="true">
          {direct ? (
            "@"
          ) : channel.kind === ChannelKind.PRIVATE ? (
            <LockIcon size={18} />
          ) : (
            <HashIcon size={18} />
          )}
        </span>
        <div className="channel-header-text">
          <h1 id="channel-title">
            <ChannelName channel={channel} />
          </h1>
          {channel.topic && <p className="channel-topic">{channel.topic}</p>}
        </div>
        <button
          type="button"
          className="member-count"
          title="Members"
          aria-label={`${channel.memberCount} ${channel.memberCount === 1 ? "member" : "members"}: show and add people`}
          onClick={() => setShowMembers(true)}
        >
          <UsersIcon />
          <span aria-hidden="true">{channel.memberCount}</span>
        </button>
      </header>
      <Timeline
        joined={joined}
        title={title}
        beginning={direct ? `This is the beginning of your conversation with ${title}.` : undefined}
      />
      <TypingIndicator channelId={channel.id} />
      {archived ? (
        <p className="archived-note">This channel is archived: you can read it, but not post.</p>
      ) : (
        <Composer
          id="composer"
          channelId={channel.id}
          label={`Message ${title}`}
          placeholder={`Message ${title}`}
          autoFocus={!threadId}
        />
      )}
      {showMembers && <MembersDialog joined={joined} onClose={() => setShowMembers(false)} />}
    </section>
  );
}

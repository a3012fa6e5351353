import { type Channel, ChannelKind } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { displayName, useSelfId, useUser } from "../app/hooks.js";

/** The people of a direct channel other than oneself (oneself alone for a note-to-self). */
export function otherParticipants(channel: Channel, selfId: string): string[] {
  const others = channel.participantUserIds.filter((id) => id !== selfId);
  return others.length > 0 ? others : [selfId];
}

/** A channel's name as people read it: `general`, or the other participants of a DM. */
export function ChannelName({ channel }: { channel: Channel }) {
  const selfId = useSelfId();
  if (channel.kind !== ChannelKind.DIRECT) return <>{channel.name}</>;
  const others = otherParticipants(channel, selfId);
  return (
    <>
      {others.map((id, i) => (
        <span key={id}>
          {i > 0 ? ", " : ""}
          <UserName id={id} />
        </span>
      ))}
    </>
  );
}

export function UserName({ id }: { id: string }) {
  const user = useUser(id);
  return <>{displayName(user)}</>;
}

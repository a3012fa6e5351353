import { ChannelKind, type JoinedChannel } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { type MouseEvent, useState } from "react";
import { displayName, useChannels, usePresence, useSelfId, useUser } from "../app/hooks.js";
import { navigate, routePath } from "../app/router.js";
import { groupChannels } from "../lib/channel-list.js";
import { Avatar, PresenceDot } from "./avatar.js";
import { ChannelName, otherParticipants } from "./channel-name.js";
import {
  BrowseChannelsDialog,
  CreateChannelDialog,
  DirectMessageDialog,
  ProfileDialog,
} from "./dialogs.js";
import { IconButton } from "./icon-button.js";
import { HashIcon, LockIcon, PlusIcon, SearchIcon } from "./icons.js";
import { Logo } from "./logo.js";

type DialogName = "create" | "browse" | "direct" | "profile";

/** Channels and direct messages with unread badges; buttons to create, browse and message. */
export function Sidebar({ activeChannelId }: { activeChannelId: string | undefined }) {
  const channels = useChannels();
  const selfId = useSelfId();
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const { named, direct } = groupChannels(channels.data?.channels ?? []);
  const dmPeople = direct.flatMap((j) => (j.channel ? otherParticipants(j.channel, selfId) : []));
  const presence = usePresence(dmPeople);
  const close = () => setDialog(null);
  return (
    <nav className="sidebar" aria-label="Channels and direct messages">
      <div className="sidebar-header">
        <Logo size={28} />
        <span className="brand-name">Parley</span>
      </div>
      <div className="sidebar-scroll">
        <section aria-labelledby="channels-heading">
          <div className="section-head">
            <h2 id="channels-heading">Channels</h2>
            <IconButton label="Browse channels" onClick={() => setDialog("browse")}>
              <SearchIcon />
            </IconButton>
            <IconButton label="Create a channel" onClick={() => setDialog("create")}>
              <PlusIcon />
            </IconButton>
          </div>
          {channels.isError && <p className="sidebar-empty">Could not load your channels.</p>}
          {channels.isSuccess && named.length === 0 && (
            <p className="sidebar-empty">No channels yet: create one or browse.</p>
          )}
          <ul className="channel-list">
            {named.map((joined) => (
              <ChannelLink key={joined.channel?.id} joined={joined} active={activeChannelId}>
                {joined.channel?.kind === ChannelKind.PRIVATE ? <LockIcon /> : <HashIcon />}
              </ChannelLink>
            ))}
          </ul>
        </section>
        <section aria-labelledby="direct-heading">
          <div className="section-head">
            <h2 id="direct-heading">Direct messages</h2>
            <IconButton label="New direct message" onClick={() => setDialog("direct")}>
              <PlusIcon />
            </IconButton>
          </div>
          <ul className="channel-list">
            {direct.map((joined) => {
              const other = joined.channel ? otherParticipants(joined.channel, selfId)[0] : "";
              return (
                <ChannelLink key={joined.channel?.id} joined={joined} active={activeChannelId}>
                  <PresenceDot status={other ? presence.get(other) : undefined} />
                </ChannelLink>
              );
            })}
          </ul>
        </section>
      </div>
      <Me onOpen={() => setDialog("profile")} />
      {dialog === "create" && <CreateChannelDialog onClose={close} />}
      {dialog === "browse" && <BrowseChannelsDialog onClose={close} />}
      {dialog === "direct" && <DirectMessageDialog onClose={close} />}
      {dialog === "profile" && <ProfileDialog onClose={close} />}
    </nav>
  );
}

function ChannelLink({
  joined,
  active,
  children,
}: {
  joined: JoinedChannel;
  active: string | undefined;
  children: React.ReactNode;
}) {
  const channel = joined.channel;
  if (!channel) return null;
  const unread = joined.readState?.unreadCount ?? 0;
  const mentions = joined.readState?.unreadMentionCount ?? 0;
  const current = channel.id === active;
  const href = routePath({ channelId: channel.id });
  const open = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate({ channelId: channel.id });
  };
  const showBadge = unread > 0 && !current;
  return (
    <li>
      <a
        href={href}
        onClick={open}
        aria-current={current ? "page" : undefined}
        className={`channel-link${showBadge ? " unread" : ""}`}
      >
        <span className="channel-icon">{children}</span>
        <span className="channel-label">
          <ChannelName channel={channel} />
        </span>
        {showBadge && (
          <span className={`badge${mentions > 0 ? " mention" : ""}`}>
            {unread}
            <span className="visually-hidden"> unread</span>
          </span>
        )}
      </a>
    </li>
  );
}

function Me({ onOpen }: { onOpen: () => void }) {
  const selfId = useSelfId();
  const user = useUser(selfId);
  const name = displayName(user);
  return (
    <div className="sidebar-footer">
      <button
        type="button"
        className="me"
        onClick={onOpen}
        aria-label={`${name}: profile and sign out`}
      >
        <Avatar userId={selfId} name={name} size="sm" />
        <span className="me-text">
          <span className="me-name">{name}</span>
          <span className="me-sub">@{user?.username ?? ""}</span>
        </span>
      </button>
    </div>
  );
}

import type { JoinedChannel } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { navigate } from "../app/router.js";
import { ChannelName } from "./channel-name.js";
import { Composer } from "./composer.js";
import { CloseIcon } from "./icons.js";
import { Timeline } from "./timeline.js";
import { TypingIndicator } from "./typing-indicator.js";

/** A thread beside its channel (over it on a phone): the root, the replies, a reply box. */
export function ThreadPanel({ joined, rootId }: { joined: JoinedChannel; rootId: string }) {
  const channel = joined.channel;
  if (!channel) return null;
  const close = () => navigate({ channelId: channel.id });
  return (
    <aside
      className="thread-panel"
      aria-labelledby="thread-title"
      onKeyDown={(e) => {
        if (e.key === "Escape" && !e.defaultPrevented) close();
      }}
    >
      <header className="thread-header">
        <div>
          <h2 id="thread-title">Thread</h2>
          <p className="muted">
            in <ChannelName channel={channel} />
          </p>
        </div>
        <button type="button" className="icon-button" aria-label="Close thread" onClick={close}>
          <CloseIcon />
        </button>
      </header>
      <Timeline joined={joined} threadRootId={rootId} title="this thread" />
      <TypingIndicator channelId={channel.id} threadRootId={rootId} />
      {!channel.archivedAt && (
        <Composer
          id="thread-composer"
          channelId={channel.id}
          threadRootId={rootId}
          label="Reply in thread"
          placeholder="Reply…"
          autoFocus
        />
      )}
    </aside>
  );
}

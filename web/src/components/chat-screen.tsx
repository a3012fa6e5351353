import { useEffect } from "react";
import { useLiveSync } from "../app/context.js";
import { useChannels, useLive } from "../app/hooks.js";
import { navigate, useRoute } from "../app/router.js";
import { ChannelView } from "./channel-view.js";
import { ConnectionBanner } from "./connection-banner.js";
import { Sidebar } from "./sidebar.js";
import { ThreadPanel } from "./thread-panel.js";

/**
 * The signed-in layout: channel list, the open channel, and a thread beside it. On a phone one
 * of them fills the screen at a time (the list until a channel is opened).
 */
export function ChatScreen() {
  const route = useRoute();
  const live = useLiveSync();
  const channels = useChannels();
  const joined = channels.data?.channels.find((c) => c.channel?.id === route.channelId);
  const missing = !!route.channelId && channels.isSuccess && !joined;

  useEffect(() => {
    live.viewing = route.channelId
      ? { channelId: route.channelId, threadRootId: route.threadId ?? "" }
      : undefined;
  }, [live, route.channelId, route.threadId]);

  useEffect(() => {
    // Left, removed or deleted while open (or a stale link): back to the list.
    if (missing) navigate({}, true);
  }, [missing]);

  const layout = [
    "chat",
    route.channelId ? "has-channel" : "",
    route.threadId ? "has-thread" : "",
  ].join(" ");
  return (
    <div className={layout}>
      {joined && (
        <button
          type="button"
          className="skip-link"
          onClick={() => document.getElementById("composer")?.focus()}
        >
          Skip to message box
        </button>
      )}
      <Sidebar activeChannelId={route.channelId} />
      <main className="main" aria-label="Conversation">
        <ConnectionBanner />
        {joined?.channel ? (
          <ChannelView key={joined.channel.id} joined={joined} threadId={route.threadId} />
        ) : (
          <Welcome loading={channels.isPending} />
        )}
      </main>
      {joined?.channel && route.threadId && (
        <ThreadPanel key={route.threadId} joined={joined} rootId={route.threadId} />
      )}
      <Announcer />
    </div>
  );
}

function Welcome({ loading }: { loading: boolean }) {
  return (
    <div className="welcome">
      {loading ? (
        <p>Loading your channels…</p>
      ) : (
        <>
          <h1>Welcome to Parley</h1>
          <p>Pick a channel on the left, create one, or start a direct message.</p>
        </>
      )}
    </div>
  );
}

/** Reads new messages and connection changes out to screen readers. */
function Announcer() {
  const announcement = useLive((s) => s.announcement);
  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true">
      {announcement.text}
    </div>
  );
}

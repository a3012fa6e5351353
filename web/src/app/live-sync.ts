import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client, Transport } from "@connectrpc/connect";
import type { User } from "@parley/gen/parley/auth/v1/user_pb.js";
import type {
  MessagingEvent,
  StreamPositionSchema,
  Subscribed,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import type { Message } from "@parley/gen/parley/messaging/v1/message_pb.js";
import type {
  ListChannelsResponse,
  MessagingService,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { Query, QueryClient } from "@tanstack/react-query";
import { applySubscribed, applyToChannels } from "../lib/channel-list.js";
import { LiveConnection, type LiveStatus } from "../lib/live-connection.js";
import { type PendingStore, storagePendingStore } from "../lib/pending-store.js";
import { SendQueue } from "../lib/send-queue.js";
import type { SessionManager } from "../lib/session-manager.js";
import type { SubscribedOutcome } from "../lib/stream-positions.js";
import { applyToTimeline, type TimelinePages, upsertMessage } from "../lib/timeline.js";
import { applyTyping, expireTyping, nextTypingExpiry } from "../lib/typing.js";
import { randomUuid } from "../lib/uuid.js";
import { CacheUpdater } from "./cache-updater.js";
import { LiveStore } from "./live-store.js";
import { channelsKey, isQueryOf, timelineKey } from "./queries.js";
import { refetchFailedQueries } from "./refetch-failed.js";

/** TanStack Query key of one resolved account (see useUser). */
export function userKey(id: string) {
  return ["parley-user", id] as const;
}

export interface LiveSyncDeps {
  readonly transport: Transport;
  readonly messaging: Client<typeof MessagingService>;
  readonly queryClient: QueryClient;
  readonly session: SessionManager;
  /** The signed-in person's id. */
  readonly selfUserId: string;
  /** Where this person's unconfirmed messages are kept; by default `localStorage`. */
  readonly pendingStore?: PendingStore;
}

/**
 * The signed-in half of the app: one Subscribe stream for all channels (LiveConnection), the
 * optimistic send queue, and the glue that turns every event into cache updates (channel list,
 * open timelines and threads), typing indicators, presence and screen-reader announcements.
 * Created at sign-in, stopped at sign-out.
 */
export class LiveSync {
  readonly store = new LiveStore();
  /**
   * Unsent drafts per conversation (`<channel>/<thread root>`), kept while this person is signed
   * in: they go with this object at sign-out, so the next person never sees them.
   */
  readonly drafts = new Map<string, string>();
  readonly sendQueue: SendQueue;
  readonly connection: LiveConnection;
  readonly #deps: LiveSyncDeps;
  readonly #cache: CacheUpdater;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #connectedBefore = false;
  /** The conversation on screen, for announcements. */
  viewing: { channelId: string; threadRootId: string } | undefined;
  readonly #onOnline = () => {
    this.connection.goOnline();
    this.sendQueue.online();
  };
  readonly #onOffline = () => this.connection.goOffline();

  constructor(deps: LiveSyncDeps) {
    this.#deps = deps;
    this.#cache = new CacheUpdater(deps.queryClient);
    this.sendQueue = new SendQueue({
      send: async (request) => {
        const res = await deps.messaging.sendMessage(request);
        if (!res.message) throw new Error("SendMessage answered without a message");
        return res.message;
      },
      onSent: (message) => this.#addMessage(message),
      isOnline: () => navigator.onLine,
      newKey: randomUuid,
      store:
        deps.pendingStore ?? storagePendingStore(() => globalThis.localStorage, deps.selfUserId),
    });
    this.connection = new LiveConnection({
      open: (positions, signal) => this.#events(positions, signal),
      selfUserId: deps.selfUserId,
      onEvent: (event) => this.#apply(event),
      onSubscribed: (subscribed, outcome) => this.#subscribed(subscribed, outcome),
      onReset: (channelId) => this.#reset(channelId),
      onStatus: (status) => this.#status(status),
      renewSession: async () => {
        const state = deps.session.state;
        if (state.status !== "signed-in") return false;
        try {
          await deps.session.refresh(state.session.accessToken);
          return true;
        } catch (err) {
          if (deps.session.state.status !== "signed-in") return false;
          throw err;
        }
      },
      isOnline: () => navigator.onLine,
    });
  }

  start(): void {
    window.addEventListener("online", this.#onOnline);
    window.addEventListener("offline", this.#onOffline);
    void this.connection.start();
    // What this person sent before a reload (or their last visit) and was not confirmed.
    this.sendQueue.restore();
  }

  stop(): void {
    window.removeEventListener("online", this.#onOnline);
    window.removeEventListener("offline", this.#onOffline);
    this.connection.stop();
    this.sendQueue.stop();
    this.#cache.dispose();
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
  }

  async *#events(
    positions: MessageInitShape<typeof StreamPositionSchema>[],
    signal: AbortSignal,
  ): AsyncIterable<MessagingEvent> {
    for await (const res of this.#deps.messaging.subscribe({ positions }, { signal })) {
      if (res.event) yield res.event;
    }
  }

  /** A message the server stored (SendMessage's answer): into its view, if loaded. */
  #addMessage(message: Message): void {
    const key = timelineKey(this.#deps.transport, message.channelId, message.threadRootId);
    this.#cache.update<TimelinePages>(key, (data) => upsertMessage(data, message));
  }

  #apply(event: MessagingEvent): void {
    const { payload, channelId } = event;
    const self = this.#deps.selfUserId;
    const { transport, queryClient } = this.#deps;
    this.#cache.update<ListChannelsResponse>(channelsKey(transport), (data) =>
      applyToChannels(data, event, self),
    );
    switch (payload.case) {
      case "messageCreated":
      case "messageEdited":
      case "messageDeleted":
      case "reactionChanged": {
        const value = payload.value;
        const message = "message" in value ? value.message : undefined;
        const messageId = message?.id ?? ("messageId" in value ? value.messageId : "");
        const threadRootId =
          message?.threadRootId ?? ("threadRootId" in value ? value.threadRootId : "");
        // The channel's view, the thread the message is in, and the thread it may be root of.
        const threads = new Set(["", threadRootId, messageId]);
        for (const thread of threads) {
          const view = { channelId, threadRootId: thread };
          this.#cache.update<TimelinePages>(timelineKey(transport, channelId, thread), (data) =>
            applyToTimeline(data, event, view, self),
          );
        }
        if (payload.case === "messageCreated" && message) {
          if (message.authorUserId === self) this.sendQueue.confirm(message.idempotencyKey);
          this.#typing(event);
          this.#announce(message);
        }
        break;
      }
      case "membershipChanged": {
        const { userId } = payload.value;
        if (userId === self && !this.#isMember(channelId)) {
          // No longer ours: drop what was loaded rather than reload what we may not read.
          this.#forget(channelId);
        } else {
          void queryClient.invalidateQueries({
            predicate: (q) => isQueryOf(q, "ListMembers", channelId),
          });
        }
        break;
      }
      case "channelDeleted":
        this.#forget(channelId);
        break;
      case "typing":
        this.#typing(event);
        break;
      case "presenceChanged": {
        const presence = payload.value.presence;
        if (presence) this.store.setPresence(presence.userId, presence.status, Date.now());
        break;
      }
      default:
        break;
    }
  }

  #subscribed(subscribed: Subscribed, outcome: SubscribedOutcome): void {
    const { transport, queryClient } = this.#deps;
    const key = channelsKey(transport);
    let unknown = false;
    this.#cache.update<ListChannelsResponse>(key, (data) => {
      const result = applySubscribed(data, subscribed);
      unknown ||= result.unknownChannels;
      return result.data;
    });
    if (unknown) void queryClient.invalidateQueries({ queryKey: key, exact: true });
    for (const id of outcome.gone) this.#forget(id);
    if (this.#connectedBefore) {
      // Presence and typing are not replayed: re-read presence, drop stale indicators.
      this.store.update({
        presence: new Map(),
        typing: expireTyping(this.store.state.typing, Infinity),
      });
      void queryClient.invalidateQueries({ predicate: (q) => isQueryOf(q, "GetPresence") });
    }
    this.#connectedBefore = true;
    // Parley answers again: what failed to load meanwhile (a history, the channel list, members)
    // loads now, after `subscribed` like every load, without waiting for "Try again".
    void refetchFailedQueries(queryClient);
  }

  /** The stream cannot vouch for this channel any more: reload what is shown of it. */
  #reset(channelId: string): void {
    void this.#deps.queryClient.invalidateQueries({
      predicate: (q) =>
        isQueryOf(q, "ListMessages", channelId) || isQueryOf(q, "GetChannel", channelId),
    });
  }

  #forget(channelId: string): void {
    const predicate = (q: Query) =>
      ["ListMessages", "ListMembers", "GetChannel"].some((m) => isQueryOf(q, m, channelId));
    void this.#deps.queryClient.cancelQueries({ predicate });
    this.#deps.queryClient.removeQueries({ predicate });
  }

  #isMember(channelId: string): boolean {
    const data = this.#deps.queryClient.getQueryData(channelsKey(this.#deps.transport));
    return !!data?.channels.some((c) => c.channel?.id === channelId);
  }

  #status(status: LiveStatus): void {
    const previous = this.store.state.status;
    this.store.update({ status });
    if (status === "reconnecting") this.store.announce("Connection lost. Reconnecting…");
    if (status === "live" && previous === "reconnecting") this.store.announce("Reconnected.");
  }

  #typing(event: MessagingEvent): void {
    const now = Date.now();
    const typing = expireTyping(applyTyping(this.store.state.typing, event, now), now);
    if (typing !== this.store.state.typing) this.store.update({ typing });
    this.#scheduleTypingExpiry();
  }

  #scheduleTypingExpiry(): void {
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    const next = nextTypingExpiry(this.store.state.typing);
    if (next === undefined) return;
    this.#typingTimer = setTimeout(
      () => {
        const typing = expireTyping(this.store.state.typing, Date.now());
        if (typing !== this.store.state.typing) this.store.update({ typing });
        this.#scheduleTypingExpiry();
      },
      Math.max(50, next - Date.now()),
    );
  }

  #announce(message: Message): void {
    const view = this.viewing;
    if (!view || message.authorUserId === this.#deps.selfUserId) return;
    if (view.channelId !== message.channelId || view.threadRootId !== message.threadRootId) return;
    const author = this.#deps.queryClient.getQueryData<User | null>(userKey(message.authorUserId));
    const name = author?.displayName || author?.username || "Someone";
    this.store.announce(`${name}: ${message.text}`);
  }
}

import { useQuery as useConnectQuery } from "@connectrpc/connect-query";
import type { User } from "@parley/gen/parley/auth/v1/user_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useSyncExternalStore } from "react";
import type { PendingMessage } from "../lib/send-queue.js";
import type { SessionState } from "../lib/session-manager.js";
import { useApp, useLiveSync } from "./context.js";
import type { LiveState } from "./live-store.js";
import { userKey } from "./live-sync.js";
import { CHANNELS_INPUT } from "./queries.js";

export function useSessionState(): SessionState {
  const { session } = useApp();
  return useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.state,
  );
}

/** The signed-in person's id (only under a signed-in tree). */
export function useSelfId(): string {
  const state = useSessionState();
  return state.status === "signed-in" ? state.session.user.id : "";
}

/** One account, resolved through the batching directory and cached for five minutes. */
export function useUser(id: string | undefined): User | null | undefined {
  const { users } = useApp();
  const query = useQuery({
    queryKey: userKey(id ?? ""),
    queryFn: async () => (await users.load(id ?? "")) ?? null,
    enabled: !!id,
    staleTime: 5 * 60_000,
  });
  return query.data;
}

/** How a person is shown: display name, else username, else a placeholder while loading. */
export function displayName(user: User | null | undefined): string {
  if (user === null) return "Unknown user";
  return user?.displayName || user?.username || "…";
}

export function useLive<T>(select: (state: LiveState) => T): T {
  const live = useLiveSync();
  return useSyncExternalStore(live.store.subscribe, () => select(live.store.state));
}

export function usePending(channelId: string, threadRootId = ""): readonly PendingMessage[] {
  const { sendQueue } = useLiveSync();
  return useSyncExternalStore(
    (fn) => sendQueue.subscribe(fn),
    () => sendQueue.pending(channelId, threadRootId),
  );
}

/** The person's channel list, kept current by the live stream. */
export function useChannels() {
  return useConnectQuery(MessagingService.method.listChannels, CHANNELS_INPUT, {
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * Presence of some people: GetPresence for a first answer, then presence_changed events
 * (whichever is newer wins).
 */
export function usePresence(userIds: readonly string[]): ReadonlyMap<string, PresenceStatus> {
  const ids = useMemo(() => [...new Set(userIds)].filter(Boolean).sort().slice(0, 200), [userIds]);
  const query = useConnectQuery(
    MessagingService.method.getPresence,
    { userIds: ids },
    { enabled: ids.length > 0, staleTime: 60_000 },
  );
  const live = useLive((s) => s.presence);
  return useMemo(() => {
    const out = new Map<string, PresenceStatus>();
    for (const p of query.data?.presences ?? []) out.set(p.userId, p.status);
    for (const id of ids) {
      const heard = live.get(id);
      if (heard && heard.at >= query.dataUpdatedAt) out.set(id, heard.status);
    }
    return out;
  }, [query.data, query.dataUpdatedAt, live, ids]);
}

export function presenceLabel(status: PresenceStatus | undefined): string {
  switch (status) {
    case PresenceStatus.ONLINE:
      return "online";
    case PresenceStatus.AWAY:
      return "away";
    default:
      return "offline";
  }
}

import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { createConnectQueryKey } from "@connectrpc/connect-query";
import {
  type ListMessagesRequestSchema,
  type ListMessagesResponse,
  MessagingService,
} from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import type { Query } from "@tanstack/react-query";

/** The whole channel list in one page (the membership limit is 2,000; see docs/web.md). */
export const CHANNELS_INPUT = { pageSize: 1000 } as const;

/** Messages per history page. */
export const PAGE_SIZE = 50;

/** ListMessages' input for a view; the page param (`anchor`) starts unset: the newest page. */
export function timelineInput(
  channelId: string,
  threadRootId = "",
): MessageInitShape<typeof ListMessagesRequestSchema> & { anchor: { case: undefined } } {
  return { channelId, threadRootId, limit: PAGE_SIZE, anchor: { case: undefined } };
}

/** Older history: before the oldest message of the oldest page loaded. */
export function olderPageParam(oldest: ListMessagesResponse) {
  const first = oldest.messages[0];
  if (!oldest.hasMoreBefore || !first) return undefined;
  return { case: "beforeSeq" as const, value: first.seq };
}

export function channelsKey(transport: Transport) {
  return createConnectQueryKey({
    schema: MessagingService.method.listChannels,
    input: CHANNELS_INPUT,
    transport,
    cardinality: "finite",
  });
}

export function timelineKey(transport: Transport, channelId: string, threadRootId = "") {
  return createConnectQueryKey({
    schema: MessagingService.method.listMessages,
    input: timelineInput(channelId, threadRootId),
    transport,
    cardinality: "infinite",
    pageParamKey: "anchor",
  });
}

/** Queries of one RPC, optionally only those whose input names `channelId`. */
export function isQueryOf(query: Query, methodName: string, channelId?: string): boolean {
  const [tag, props] = query.queryKey as [unknown, { methodName?: string; input?: unknown }];
  if (tag !== "connect-query" || props?.methodName !== methodName) return false;
  if (channelId === undefined) return true;
  const input = props.input as { channelId?: string } | undefined;
  return input?.channelId === channelId;
}

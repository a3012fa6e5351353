import type { ServiceImpl } from "@connectrpc/connect";
import type {
  MarkReadRequest,
  NotificationService,
} from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import { decodePageToken, encodePageToken } from "@parley/mesh";
import * as errors from "../errors.js";
import { readEvent } from "../event-codec.js";
import { kindFromProto } from "../kinds.js";
import { DEFAULT_PAGE_SIZE } from "../limits.js";
import type { InboxCursor, NotificationKindName, ReadSelector } from "../ports.js";
import { fromTimestamp, toNotificationProto } from "../proto-mapping.js";
import { limitWrites, type NotificationServiceDeps, normalizeId, signedIn } from "./context.js";

type InboxMethods = Pick<
  ServiceImpl<typeof NotificationService>,
  "listNotifications" | "markRead" | "getUnreadCount"
>;

/** The caller's inbox: listing, marking read, counting. Only ever the caller's own. */
export function inboxHandlers(deps: NotificationServiceDeps): InboxMethods {
  const { inbox, hub, clock } = deps;
  return {
    async listNotifications(req, ctx) {
      const user = signedIn(ctx);
      const kinds = req.kinds.map((kind) => kindFromProto(kind));
      if (kinds.some((kind) => kind === undefined)) throw errors.invalidKind();
      const wanted = [...new Set(kinds as NotificationKindName[])].sort();
      const limit = Math.min(100, Math.max(1, req.pageSize || DEFAULT_PAGE_SIZE));
      // Tokens are bound to the person and the filters they were issued for.
      const scope = `inbox:${user.id}:${req.unreadOnly ? "unread" : "all"}:${wanted.join(",")}`;
      let after: InboxCursor | undefined;
      if (req.pageToken !== "") {
        const position = decodePageToken(req.pageToken, scope, ["number", "string"]);
        if (!position) throw errors.invalidPageToken();
        after = { createdAt: position[0] as number, id: position[1] as string };
      }
      const rows = await inbox.list({
        userId: user.id,
        unreadOnly: req.unreadOnly,
        kinds: wanted,
        after,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        notifications: page.map(toNotificationProto),
        nextPageToken:
          rows.length > limit && last ? encodePageToken(scope, [last.createdAt, last.id]) : "",
      };
    },

    async markRead(req, ctx) {
      const user = signedIn(ctx);
      const selector = selectorOf(req);
      await limitWrites(deps, user);
      const now = clock.now();
      const result = await inbox.markRead(user.id, selector, now);
      if (result.marked > 0) {
        hub.publish(
          user.id,
          readEvent({
            selector,
            markedIds: result.markedIds,
            readAt: now,
            unreadCount: result.unreadCount,
          }),
        );
      }
      return { markedCount: result.marked, unreadCount: result.unreadCount };
    },

    async getUnreadCount(_req, ctx) {
      const user = signedIn(ctx);
      return { unreadCount: await inbox.unreadCount(user.id) };
    },
  };
}

/** The one selector the request sets (the contract's oneof rule; checked again here). */
function selectorOf(req: MarkReadRequest): ReadSelector {
  const selectors: ReadSelector[] = [];
  if (req.ids.length > 0) {
    selectors.push({ kind: "ids", ids: [...new Set(req.ids.map(normalizeId))] });
  }
  if (req.upTo) selectors.push({ kind: "up_to", upTo: fromTimestamp(req.upTo) });
  if (req.all) selectors.push({ kind: "all" });
  if (req.channelId !== "") {
    selectors.push({ kind: "channel", channelId: normalizeId(req.channelId) });
  }
  const [selector] = selectors;
  if (!selector || selectors.length > 1) throw errors.noReadSelector();
  return selector;
}

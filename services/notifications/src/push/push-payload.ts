import { kindEnumName } from "../kinds.js";
import { PUSH_RECORD_SIZE } from "../limits.js";
import type { NotificationRecord } from "../ports.js";
import { HEADER_LENGTH, TAG_LENGTH } from "./web-push-encryption.js";

/**
 * The largest plaintext that still makes a whole encrypted message of {@link PUSH_RECORD_SIZE}
 * bytes (header, one record with its delimiter and tag): what every push service must accept.
 */
export const MAX_PUSH_PLAINTEXT = PUSH_RECORD_SIZE - HEADER_LENGTH - TAG_LENGTH - 1;

/**
 * The Web Push message for a notification (push.proto): UTF-8 JSON with `id`, `kind` (the enum
 * name), `title`, `body`, `link`, `channelId`, `messageId` and `threadRootId`, empty fields left
 * out. When it would not fit one push message, the body and then the title are shortened (with
 * "…"); the service worker can always fetch the whole notification by id.
 */
export function pushPayload(
  notification: NotificationRecord,
  maxBytes = MAX_PUSH_PLAINTEXT,
): Buffer {
  const encode = (title: string, body: string) => {
    const fields: Record<string, string> = {
      id: notification.id,
      kind: kindEnumName(notification.kind),
      title,
      body,
      link: notification.link,
      channelId: notification.channelId,
      messageId: notification.messageId,
      threadRootId: notification.threadRootId,
    };
    for (const [key, value] of Object.entries(fields)) if (value === "") delete fields[key];
    return Buffer.from(JSON.stringify(fields), "utf8");
  };
  let title = [...notification.title];
  let body = [...notification.body];
  let bytes = encode(notification.title, notification.body);
  while (bytes.length > maxBytes && (body.length > 0 || title.length > 1)) {
    // Cut roughly what is too much (at least one character), body first.
    const excess = Math.max(1, Math.ceil((bytes.length - maxBytes) / 4));
    if (body.length > 0) body = body.slice(0, Math.max(0, body.length - excess - 1));
    else title = title.slice(0, Math.max(1, title.length - excess - 1));
    bytes = encode(
      title.join("") + (title.length < [...notification.title].length ? "…" : ""),
      body.length > 0 ? `${body.join("")}…` : "",
    );
  }
  return bytes;
}

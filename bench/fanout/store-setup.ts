import { randomUUID } from "node:crypto";
import {
  openSqliteMessagingStore,
  type SqliteMessagingStore,
  type SqliteMessagingStoreOptions,
} from "../../services/messaging/src/adapters/sqlite-messaging-store.js";
import { encodeChannelEvent } from "../../services/messaging/src/event-codec.js";

/** Messaging's SQLite store as the store benchmarks open it (a service's settings). */
export function openBenchStore(
  file: string,
  options: Partial<SqliteMessagingStoreOptions> = {},
): SqliteMessagingStore {
  return openSqliteMessagingStore(file, {
    encode: encodeChannelEvent,
    retainEvents: 1000,
    maxMemberships: 2000,
    ...options,
  });
}

/** A public channel of `members` (the first creates it); its id. */
export async function createBenchChannel(
  store: SqliteMessagingStore,
  name: string,
  members: readonly string[],
): Promise<string> {
  const id = randomUUID();
  const created = await store.channels.createChannel({
    id,
    kind: "public",
    name,
    topic: "",
    creatorId: members[0] ?? randomUUID(),
    memberIds: members.slice(1),
    epoch: "e1",
    now: Date.now(),
  });
  if (created.kind !== "ok") throw new Error(`createChannel: ${created.kind}`);
  return id;
}

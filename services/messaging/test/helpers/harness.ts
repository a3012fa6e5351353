import { randomUUID } from "node:crypto";
import {
  type CallOptions,
  type Client,
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Interceptor,
} from "@connectrpc/connect";
import type { MessagingEvent, StreamPosition } from "@parley/gen/parley/messaging/v1/events_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import {
  currentDeadline,
  deadlineInterceptor,
  errorInterceptor,
  kUser,
  MemoryPubSub,
  type PubSub,
} from "@parley/mesh";
import type { ExecutionContext } from "ava";
import { FakeClock2030 as FakeClock, MemoryLogger } from "../../../../test/support/fakes.js";

/** The shared fake clock, starting at 2030-01-01 12:00 UTC unless told otherwise. */
export { FakeClock };

import { StreamReader } from "../../../../test/support/stream-reader.js";
import { loadMessagingConfig, type MessagingConfig } from "../../src/config.js";
import {
  type CreateMessagingOptions,
  createMessaging,
  type Messaging,
} from "../../src/messaging-module.js";
import type {
  Clock,
  DirectoryUser,
  Notifier,
  OutgoingNotification,
  UserDirectory,
} from "../../src/ports.js";

export { MemoryLogger, tempDir } from "../../../../test/support/fakes.js";
export { rejection } from "../../../../test/support/outcomes.js";

/** Auth as messaging sees it: a fixed set of accounts; can be made to fail. */
export class FakeDirectory implements UserDirectory {
  readonly users = new Map<string, DirectoryUser>();
  failing = false;
  calls = 0;
  /** The ambient deadline each lookupByUsernames (mention resolution) ran under, in order. */
  readonly usernameLookupDeadlines: (number | undefined)[] = [];

  add(username: string): DirectoryUser {
    const user = { id: randomUUID(), username, displayName: username };
    this.users.set(user.id, user);
    return user;
  }

  async lookupByIds(ids: readonly string[]): Promise<Map<string, DirectoryUser>> {
    this.calls++;
    if (this.failing) throw new Error("auth is down");
    const found = new Map<string, DirectoryUser>();
    for (const id of ids) {
      const user = this.users.get(id);
      if (user) found.set(id, user);
    }
    return found;
  }

  async lookupByUsernames(names: readonly string[]): Promise<Map<string, DirectoryUser>> {
    this.calls++;
    this.usernameLookupDeadlines.push(currentDeadline());
    if (this.failing) throw new Error("auth is down");
    const found = new Map<string, DirectoryUser>();
    for (const user of this.users.values()) {
      if (names.includes(user.username)) found.set(user.username, user);
    }
    return found;
  }
}

/** Keeps every notification messaging sends. */
export class RecordingNotifier implements Notifier {
  readonly sent: OutgoingNotification[] = [];
  /** The ambient deadline each notify() ran under (undefined: none), in order. */
  readonly deadlines: (number | undefined)[] = [];
  /** While true, notify() fails as an unreachable notifications service does. */
  down = false;
  /** Every notify() call, taken or not. */
  calls = 0;
  async notify(notification: OutgoingNotification): Promise<void> {
    this.calls++;
    if (this.down) throw new ConnectError("notifications is down", Code.Unavailable);
    this.sent.push(notification);
    this.deadlines.push(currentDeadline());
  }
  to(userId: string): OutgoingNotification[] {
    return this.sent.filter((n) => n.recipientIds.includes(userId));
  }
}

/**
 * A bus that can lose messages (like Redis pub/sub while it is down) and report connection
 * changes, around a {@link MemoryPubSub}.
 */
export class LossyPubSub implements PubSub {
  readonly inner = new MemoryPubSub();
  /** Return true to drop a published message. */
  drop: (topic: string, payload: Uint8Array) => boolean = () => false;
  dropped = 0;
  published = 0;
  #connected = true;
  readonly #listeners = new Set<(connected: boolean) => void>();

  get connected(): boolean {
    return this.#connected;
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    this.published++;
    if (!this.#connected || this.drop(topic, payload)) {
      this.dropped++;
      if (!this.#connected) throw new Error("bus is down");
      return;
    }
    return this.inner.publish(topic, payload);
  }

  subscribe(topic: string, handler: (payload: Uint8Array) => void) {
    return this.inner.subscribe(topic, handler);
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Simulates the bus going down (every publish fails) or coming back. */
  setConnected(connected: boolean): void {
    this.#connected = connected;
    for (const listener of this.#listeners) listener(connected);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Messaging's defaults with an in-memory database and no send limit, overridable. */
export function testConfig(
  overrides: Partial<MessagingConfig> = {},
  env: Record<string, string> = {},
): MessagingConfig {
  return {
    ...loadMessagingConfig({
      PARLEY_MESSAGING_DATA_DIR: ":memory:",
      PARLEY_MESSAGING_SEND_LIMIT: "off",
      ...env,
    }),
    ...overrides,
  };
}

/** A signed-in person for tests. */
export interface Person {
  readonly id: string;
  readonly username: string;
  readonly role: "member" | "admin";
  /** Call options that sign the call in as this person. */
  readonly call: CallOptions;
}

const USER_HEADER = "x-test-user";
const ROLE_HEADER = "x-test-role";
const EXPIRES_HEADER = "x-test-expires";

/**
 * Stand-ins for the mesh's interceptors: the real error mapping, and `kUser` from test headers
 * (what the access interceptor would set from a verified token).
 */
function meshInterceptors(clock: Clock): Interceptor[] {
  const identity: Interceptor = (next) => async (req) => {
    const id = req.header.get(USER_HEADER);
    if (id) {
      const expires = req.header.get(EXPIRES_HEADER);
      req.contextValues.set(kUser, {
        id,
        role: req.header.get(ROLE_HEADER) === "admin" ? "admin" : "member",
        tokenId: randomUUID(),
        expiresAt: new Date(expires ? Number(expires) : clock.now() + 3_600_000),
      });
    }
    return next(req);
  };
  return [deadlineInterceptor(), errorInterceptor(), identity];
}

export interface Instance {
  readonly messaging: Messaging;
  readonly client: Client<typeof MessagingService>;
}

export interface Harness extends Instance {
  readonly clock: FakeClock;
  readonly users: FakeDirectory;
  readonly notifier: RecordingNotifier;
  readonly logger: MemoryLogger;
  readonly config: MessagingConfig;
  /** A new account, known to the directory. */
  person(username?: string, role?: "member" | "admin"): Person;
  /** Another messaging instance on the same database file and bus (needs a file-backed config). */
  instance(options?: Partial<CreateMessagingOptions>): Promise<Instance>;
}

let counter = 0;

/** A running messaging module behind an in-memory Connect transport; closed when the test ends. */
export async function startMessaging(
  t: ExecutionContext,
  options: {
    config?: MessagingConfig;
    clock?: FakeClock;
    pubsub?: PubSub;
    extra?: Partial<CreateMessagingOptions>;
  } = {},
): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const logger = new MemoryLogger();
  const users = new FakeDirectory();
  const notifier = new RecordingNotifier();
  const config = options.config ?? testConfig();
  const pubsub = options.pubsub ?? new MemoryPubSub();
  t.teardown(() => pubsub.close());

  const start = async (extra: Partial<CreateMessagingOptions> = {}): Promise<Instance> => {
    const messaging = await createMessaging(config, {
      users,
      notifier,
      logger,
      clock,
      pubsub,
      ...options.extra,
      ...extra,
    });
    t.teardown(() => messaging.close());
    const transport = createRouterTransport(
      (router) => router.service(MessagingService, messaging.service),
      { router: { interceptors: meshInterceptors(clock) } },
    );
    return { messaging, client: createClient(MessagingService, transport) };
  };

  const first = await start();
  return {
    ...first,
    clock,
    users,
    notifier,
    logger,
    config,
    person(username, role = "member") {
      counter++;
      const name = username ?? `user${counter}`;
      const user = users.add(name);
      const headers: Record<string, string> = { [USER_HEADER]: user.id, [ROLE_HEADER]: role };
      return { id: user.id, username: name, role, call: { headers } };
    },
    instance: start,
  };
}

/** Call options for a person whose token expires at `expiresAt`. */
export function expiringAt(person: Person, expiresAt: number): CallOptions {
  return {
    headers: {
      [USER_HEADER]: person.id,
      [ROLE_HEADER]: person.role,
      [EXPIRES_HEADER]: String(expiresAt),
    },
  };
}

/**
 * An open Subscribe stream, read in the background: `next()` hands out events one by one in
 * arrival order, so tests can assert exact sequences.
 */
export class Stream extends StreamReader<MessagingEvent> {
  constructor(
    client: Client<typeof MessagingService>,
    call: CallOptions,
    positions: Partial<StreamPosition>[] = [],
  ) {
    super((signal) =>
      client.subscribe(
        { positions: positions.map((p) => ({ channelId: "", epoch: "", offset: 0n, ...p })) },
        { ...call, signal },
      ),
    );
  }

  /** The next event that is not of the given kinds (heartbeats are always skipped). */
  nextExcept(...kinds: NonNullable<MessagingEvent["payload"]["case"]>[]): Promise<MessagingEvent> {
    return this.nextWhere(
      (event) => event.payload.case !== "heartbeat" && !kinds.includes(event.payload.case as never),
      `an event other than ${kinds.join(", ")}`,
    );
  }

  /** The next presence_changed about `userId`. */
  async presenceOf(userId: string) {
    const event = await this.nextWhere(
      (e) => e.payload.case === "presenceChanged" && e.payload.value.presence?.userId === userId,
      `a presence_changed about ${userId}`,
    );
    return event.payload.case === "presenceChanged" ? event.payload.value.presence : undefined;
  }

  /** The next `count` events that carry an offset (durable), skipping ephemeral ones. */
  async durable(count: number): Promise<MessagingEvent[]> {
    const found: MessagingEvent[] = [];
    while (found.length < count) {
      const event = await this.nextRaw();
      if (event.offset > 0n) found.push(event);
    }
    return found;
  }
}

/** Opens a stream and returns it once its `subscribed` event arrived (closed at test end). */
export async function subscribe(
  t: ExecutionContext,
  client: Client<typeof MessagingService>,
  call: CallOptions,
  positions: Partial<StreamPosition>[] = [],
): Promise<{ stream: Stream; subscribed: MessagingEvent }> {
  const stream = new Stream(client, call, positions);
  t.teardown(() => stream.close());
  return { stream, subscribed: await stream.firstSubscribed() };
}

/** A fresh idempotency key. */
export function key(): string {
  return randomUUID();
}

/** Creates a channel as `owner` and returns it. */
export async function createChannel(
  client: Client<typeof MessagingService>,
  owner: Person,
  name: string,
  options: { kind?: "public" | "private"; members?: Person[]; topic?: string } = {},
) {
  const res = await client.createChannel(
    {
      kind: options.kind === "private" ? 2 : 1,
      name,
      topic: options.topic ?? "",
      memberUserIds: (options.members ?? []).map((m) => m.id),
    },
    owner.call,
  );
  const channel = res.channel?.channel;
  if (!channel) throw new Error("createChannel returned no channel");
  return channel;
}

/** Sends a message as `author` and returns it. */
export async function send(
  client: Client<typeof MessagingService>,
  author: Person,
  channelId: string,
  text: string,
  threadRootId = "",
) {
  const res = await client.sendMessage(
    { channelId, text, threadRootId, idempotencyKey: key() },
    author.call,
  );
  if (!res.message) throw new Error("sendMessage returned no message");
  return res.message;
}

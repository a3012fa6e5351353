import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type CallOptions,
  type Client,
  createClient,
  createRouterTransport,
  type Interceptor,
} from "@connectrpc/connect";
import type { NotificationEvent } from "@parley/gen/parley/notifications/v1/events_pb.js";
import { NotificationKind } from "@parley/gen/parley/notifications/v1/notification_pb.js";
import {
  NotificationService,
  type NotifyRequestSchema,
} from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import {
  errorInterceptor,
  kPeerService,
  kUser,
  MemoryPubSub,
  type PubSub,
  spiffeIdFor,
} from "@parley/mesh";
import type { ExecutionContext } from "ava";
import { FakeClock, MemoryLogger } from "../../../../test/support/fakes.js";
import { StreamReader } from "../../../../test/support/stream-reader.js";
import { loadNotificationsConfig, type NotificationsConfig } from "../../src/config.js";
import {
  type CreateNotificationsOptions,
  createNotifications,
  type Notifications,
} from "../../src/notifications-module.js";
import type { Clock, PushRequest, PushResponse, PushTransport } from "../../src/ports.js";

// The clock starts at the wall clock's current second (the shared default).
export { FakeClock, MemoryLogger, tempDir } from "../../../../test/support/fakes.js";
export { rejection } from "../../../../test/support/outcomes.js";

/** A push service stand-in for unit tests: records requests, answers what `answer` says. */
export class RecordingPushTransport implements PushTransport {
  readonly requests: PushRequest[] = [];
  answer: (request: PushRequest) => PushResponse | Promise<PushResponse> = () => ({
    status: 201,
    retryAfterSeconds: undefined,
  });
  async send(request: PushRequest): Promise<PushResponse> {
    this.requests.push(request);
    return this.answer(request);
  }
}

/** The defaults with an in-memory database and no write limit, overridable. */
export function testConfig(
  env: Record<string, string> = {},
  overrides: Partial<NotificationsConfig> = {},
): NotificationsConfig {
  return {
    ...loadNotificationsConfig({
      PARLEY_NOTIFICATIONS_DATA_DIR: ":memory:",
      PARLEY_NOTIFICATIONS_WRITE_LIMIT: "off",
      ...env,
    }),
    ...overrides,
  };
}

/** A signed-in person for tests. */
export interface Person {
  readonly id: string;
  /** Call options that sign the call in as this person. */
  readonly call: CallOptions;
}

const USER_HEADER = "x-test-user";
const EXPIRES_HEADER = "x-test-expires";
const SERVICE_HEADER = "x-test-service";

/**
 * Stand-ins for the mesh's interceptors: the real error mapping, `kUser` from test headers (what
 * the access interceptor sets from a verified token) and `kPeerService` from another (what serve()
 * sets from a client certificate).
 */
function meshInterceptors(clock: Clock): Interceptor[] {
  const identity: Interceptor = (next) => async (req) => {
    const id = req.header.get(USER_HEADER);
    if (id) {
      const expires = req.header.get(EXPIRES_HEADER);
      req.contextValues.set(kUser, {
        id,
        role: "member",
        tokenId: randomUUID(),
        expiresAt: new Date(expires ? Number(expires) : clock.now() + 3_600_000),
      });
    }
    const service = req.header.get(SERVICE_HEADER);
    if (service)
      req.contextValues.set(kPeerService, { name: service, spiffeId: spiffeIdFor(service) });
    return next(req);
  };
  return [errorInterceptor(), identity];
}

export interface Instance {
  readonly notifications: Notifications;
  readonly client: Client<typeof NotificationService>;
}

export interface Harness extends Instance {
  readonly clock: FakeClock;
  readonly logger: MemoryLogger;
  readonly push: RecordingPushTransport;
  /** A new person (a random user id). */
  person(): Person;
  /** Call options making the call as the mesh service `name`. */
  as(name: string): CallOptions;
  /** Another instance on the same bus (and database file, with a file-backed config). */
  instance(options?: Partial<CreateNotificationsOptions>): Promise<Instance>;
}

/**
 * A running notifications module behind an in-memory Connect transport, with a fake clock and a
 * recording push transport; closed when the test ends.
 */
export async function startNotifications(
  t: ExecutionContext,
  options: {
    config?: NotificationsConfig;
    clock?: FakeClock;
    pubsub?: PubSub;
    extra?: Partial<CreateNotificationsOptions>;
  } = {},
): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const logger = new MemoryLogger();
  const push = new RecordingPushTransport();
  const config = options.config ?? testConfig();
  const pubsub = options.pubsub ?? new MemoryPubSub();
  t.teardown(() => pubsub.close());

  const start = async (extra: Partial<CreateNotificationsOptions> = {}): Promise<Instance> => {
    const notifications = await createNotifications(config, {
      logger,
      clock,
      pubsub,
      pushTransport: push,
      ...options.extra,
      ...extra,
    });
    t.teardown(() => notifications.close());
    const transport = createRouterTransport(
      (router) => router.service(NotificationService, notifications.service),
      { router: { interceptors: meshInterceptors(clock) } },
    );
    return { notifications, client: createClient(NotificationService, transport) };
  };

  const first = await start();
  return {
    ...first,
    clock,
    logger,
    push,
    person() {
      const id = randomUUID();
      return { id, call: { headers: { [USER_HEADER]: id } } };
    },
    as(name) {
      return { headers: { [SERVICE_HEADER]: name } };
    },
    instance: start,
  };
}

/** Call options for a person whose token expires at `expiresAt`. */
export function expiringAt(person: Person, expiresAt: number): CallOptions {
  return { headers: { [USER_HEADER]: person.id, [EXPIRES_HEADER]: String(expiresAt) } };
}

/** A Notify request with sensible defaults (a mention in a channel). */
export function notifyRequest(
  recipients: readonly string[],
  overrides: Omit<MessageInitShape<typeof NotifyRequestSchema>, "$typeName"> = {},
): MessageInitShape<typeof NotifyRequestSchema> {
  return {
    idempotencyKey: `mention:${randomUUID()}`,
    recipientUserIds: [...recipients],
    kind: NotificationKind.MENTION,
    title: "alice mentioned you in #general",
    body: "hello there",
    channelId: randomUUID(),
    messageId: randomUUID(),
    actorUserId: randomUUID(),
    link: "/channels/x?message=y",
    ...overrides,
  };
}

/** An open Subscribe stream, read in the background; `next()` hands events out in order. */
export class Stream extends StreamReader<NotificationEvent> {
  constructor(client: Client<typeof NotificationService>, call: CallOptions) {
    super((signal) => client.subscribe({}, { ...call, signal }));
  }
}

/** Opens a stream and returns it once its `subscribed` event arrived (closed at test end). */
export async function subscribe(
  t: ExecutionContext,
  client: Client<typeof NotificationService>,
  call: CallOptions,
): Promise<{ stream: Stream; subscribed: NotificationEvent }> {
  const stream = new Stream(client, call);
  t.teardown(() => stream.close());
  return { stream, subscribed: await stream.firstSubscribed() };
}

import { createRouterTransport } from "@connectrpc/connect";
import { type Auth, createAuth, createJwksRoute } from "@parley/auth";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import {
  createTokenVerifier,
  type Logger,
  loadPolicy,
  type NodeRequest,
  type NodeResponse,
  type Served,
  serve,
} from "@parley/mesh";
import {
  createAuthUserDirectory,
  createMessaging,
  createNotificationServiceNotifier,
  type Messaging,
} from "@parley/messaging";
import { createNotifications, type Notifications } from "@parley/notifications";
import type { StandaloneConfig } from "./config.js";
import { createStaticFiles } from "./static-files.js";

export interface Standalone {
  readonly served: Served;
  readonly auth: Auth;
  readonly messaging: Messaging;
  readonly notifications: Notifications;
  /** Graceful stop: drain the server, then close every store. */
  close(): Promise<void>;
}

/**
 * Every Parley service in one process on one port (services join here as they are built), with
 * the web app on the same origin. Used by `npm start`, the tests and the benchmarks.
 */
export async function startStandalone(
  config: StandaloneConfig,
  logger: Logger,
): Promise<Standalone> {
  const auth = await createAuth(config.auth, { logger: logger.child({ component: "auth" }) });
  // In one process, services call each other in memory (no network hop, same contracts).
  const authInProcess = createRouterTransport((router) =>
    router.service(AuthService, auth.service),
  );
  const notifications = await createNotifications(config.notifications, {
    logger: logger.child({ component: "notifications" }),
  });
  // Messaging notifies in memory, as the mesh identity "messaging" (what Notify keys are scoped to).
  const messaging = await createMessaging(config.messaging, {
    logger: logger.child({ component: "messaging" }),
    users: createAuthUserDirectory(authInProcess),
    notifier: createNotificationServiceNotifier(notifications.inProcessTransport("messaging")),
  });
  const routes = [createJwksRoute(auth.signingKeys), createStaticFiles(config.webDir)];
  const served = await serve({
    name: "parley",
    routes(router) {
      router.service(AuthService, auth.service);
      router.service(MessagingService, messaging.service);
      router.service(NotificationService, notifications.service);
    },
    services: [AuthService.typeName, MessagingService.typeName, NotificationService.typeName],
    policy: loadPolicy(config.mesh.policyFile),
    tokens: createTokenVerifier({
      jwks: () => auth.signingKeys.jwks(),
      isDenied: auth.isTokenDenied,
      minRefreshIntervalMs: 0,
    }),
    logger,
    port: config.mesh.port,
    host: config.mesh.host,
    admit: messaging.admit,
    http: async (req: NodeRequest, res: NodeResponse) => {
      for (const route of routes) if (await route(req, res)) return true;
      return false;
    },
  });
  return {
    served,
    auth,
    messaging,
    notifications,
    async close() {
      await served.close();
      await messaging.close();
      await notifications.close();
      await auth.close();
    },
  };
}

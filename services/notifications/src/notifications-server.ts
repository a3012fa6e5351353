import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import {
  type Logger,
  loadPolicy,
  type MeshTls,
  type Served,
  serve,
  type TokenVerifier,
} from "@parley/mesh";
import type { NotificationsProcessConfig } from "./config.js";
import {
  type CreateNotificationsOptions,
  createNotifications,
  type Notifications,
} from "./notifications-module.js";

export interface NotificationsServer {
  readonly served: Served;
  readonly notifications: Notifications;
  /** Graceful stop: streams end with `unavailable`, calls drain, then the module closes. */
  close(): Promise<void>;
}

export interface ServeNotificationsOptions extends Omit<CreateNotificationsOptions, "logger"> {
  readonly logger: Logger;
  /** Verifies access tokens (fed from auth's JWKS). */
  readonly tokens: TokenVerifier;
  /** Mesh mode: this instance's certificate (mTLS identity `notifications`). */
  readonly tls?: MeshTls | undefined;
}

/**
 * The notifications service on its own server: the mesh runtime (validation, access policy,
 * error mapping, logging, tracing, health) around it. Several of these may share one database
 * file and one Redis.
 */
export async function serveNotifications(
  config: NotificationsProcessConfig,
  options: ServeNotificationsOptions,
): Promise<NotificationsServer> {
  const { tls, tokens, logger, ...moduleOptions } = options;
  const notifications = await createNotifications(config.notifications, {
    ...moduleOptions,
    logger,
  });
  let served: Served;
  try {
    served = await serve({
      name: "notifications",
      routes: (router) => router.service(NotificationService, notifications.service),
      services: [NotificationService.typeName],
      policy: loadPolicy(config.mesh.policyFile),
      tokens,
      logger,
      port: config.mesh.port,
      host: config.mesh.host,
      tls,
    });
  } catch (err) {
    await notifications.close();
    throw err;
  }
  return {
    served,
    notifications,
    async close() {
      try {
        await served.close();
      } finally {
        await notifications.close();
      }
    },
  };
}

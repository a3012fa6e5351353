import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import {
  type Logger,
  loadPolicy,
  type MeshTls,
  type Served,
  serve,
  type TokenVerifier,
} from "@parley/mesh";
import type { MessagingProcessConfig } from "./config.js";
import {
  type CreateMessagingOptions,
  createMessaging,
  type Messaging,
} from "./messaging-module.js";

export interface MessagingServer {
  readonly served: Served;
  readonly messaging: Messaging;
  /** Graceful stop: streams end with `unavailable`, calls drain, then the module closes. */
  close(): Promise<void>;
}

export interface ServeMessagingOptions extends Omit<CreateMessagingOptions, "logger"> {
  readonly logger: Logger;
  /** Verifies access tokens (fed from auth's JWKS). */
  readonly tokens: TokenVerifier;
  /** Mesh mode: this instance's certificate (mTLS). */
  readonly tls?: MeshTls | undefined;
}

/**
 * Messaging on its own server: the mesh runtime (validation, access policy, error mapping,
 * logging, tracing, health) around the messaging service. Run several of these on one database
 * file and one Redis for a scaled-out messaging tier.
 */
export async function serveMessaging(
  config: MessagingProcessConfig,
  options: ServeMessagingOptions,
): Promise<MessagingServer> {
  const { tls, tokens, logger, ...moduleOptions } = options;
  const messaging = await createMessaging(config.messaging, { ...moduleOptions, logger });
  let served: Served;
  try {
    served = await serve({
      name: "messaging",
      routes: (router) => router.service(MessagingService, messaging.service),
      services: [MessagingService.typeName],
      policy: loadPolicy(config.mesh.policyFile),
      tokens,
      logger,
      port: config.mesh.port,
      host: config.mesh.host,
      tls,
      admit: messaging.admit,
    });
  } catch (err) {
    await messaging.close();
    throw err;
  }
  return {
    served,
    messaging,
    async close() {
      try {
        await served.close();
      } finally {
        await messaging.close();
      }
    },
  };
}

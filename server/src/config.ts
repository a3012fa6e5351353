import { fileURLToPath } from "node:url";
import { type AuthConfig, loadAuthConfig } from "@parley/auth";
import { type MeshConfig, parseMeshConfig } from "@parley/mesh";
import { loadMessagingConfig, type MessagingConfig } from "@parley/messaging";
import { loadNotificationsConfig, type NotificationsConfig } from "@parley/notifications";

/** The single process's configuration: the mesh settings plus each hosted service's own. */
export interface StandaloneConfig {
  readonly mesh: MeshConfig;
  readonly auth: AuthConfig;
  readonly messaging: MessagingConfig;
  readonly notifications: NotificationsConfig;
  /** The built web app (`web/dist`, built by `npm start`'s prestart step or `npm run build:web`). */
  readonly webDir: string;
}

const WEB_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));

/**
 * The only reader of `process.env` for `npm start`. Defaults need no other program: port 8080,
 * data under `./data`, plaintext HTTP/1.1 + h2c on one port.
 */
export function loadStandaloneConfig(env: NodeJS.ProcessEnv = process.env): StandaloneConfig {
  return {
    mesh: parseMeshConfig(env, { port: 8080 }),
    auth: loadAuthConfig(env),
    messaging: loadMessagingConfig(env),
    notifications: loadNotificationsConfig(env),
    webDir: env.PARLEY_WEB_DIR || WEB_DIR,
  };
}

/**
 * The local mesh as real processes for a test: `startLocalMesh()` on free ports with throwaway
 * certificates and data, plus clients that reach it the way people and services do (through the
 * `edge` identity, or as any mesh identity).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { type ConnectToOptions, connectTo, type MeshTls } from "@parley/mesh";
import {
  type LocalMesh,
  type LocalMeshOptions,
  startLocalMesh,
} from "../../scripts/mesh/local-mesh.js";
import type { TestUser } from "./messaging-cluster.js";

export interface TestMesh {
  readonly mesh: LocalMesh;
  /** The `edge` identity's credentials (what a person's calls come through). */
  readonly edge: MeshTls;
  /** Auth through the edge identity. */
  readonly auth: Client<typeof AuthService>;
  /** Messaging instance `name` (`messaging-1`, ...) through the edge identity, no default deadline. */
  messaging(name: string): Client<typeof MessagingService>;
  /** A transport to `url` presenting `tls` (no retries, no breaker: tests see every failure). */
  transport(
    url: string | readonly string[],
    tls: MeshTls,
    options?: Partial<ConnectToOptions>,
  ): Transport;
  /** Registers a new person with auth (names get a unique suffix). */
  register(name: string): Promise<TestUser>;
  /** Stops every process and removes the temporary directories. */
  close(): Promise<void>;
}

let userCounter = 0;

/**
 * Starts the local mesh on free ports (certificates, Redis, auth, notifications when present,
 * two messaging instances), with auth's rate limits and messaging's Send limit off so tests
 * can register and send freely. Call `close()` from `test.after.always`.
 */
export async function startTestMesh(options: Partial<LocalMeshOptions> = {}): Promise<TestMesh> {
  const dir = await mkdtemp(join(tmpdir(), "parley-mesh-"));
  let mesh: LocalMesh;
  try {
    mesh = await startLocalMesh({
      basePort: 0,
      certsDir: join(dir, "certs"),
      dataDir: join(dir, "data"),
      logLevel: process.env.TEST_LOG_LEVEL ?? "info",
      ...(process.env.TEST_LOG_LEVEL === "debug" && {
        onLog: ({ instance, line }) => console.log(`${instance} | ${line}`),
      }),
      ...options,
      serviceEnv: {
        ...options.serviceEnv,
        auth: {
          PARLEY_AUTH_LOGIN_LIMIT_PER_ACCOUNT: "off",
          PARLEY_AUTH_LOGIN_LIMIT_PER_ADDRESS: "off",
          PARLEY_AUTH_REGISTER_LIMIT_PER_ADDRESS: "off",
          ...options.serviceEnv?.auth,
        },
        messaging: {
          PARLEY_MESSAGING_SEND_LIMIT: "off",
          PARLEY_MESSAGING_HEARTBEAT_INTERVAL: "2s",
          ...options.serviceEnv?.messaging,
        },
      },
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const edge = await mesh.credentials("edge");
  const transport = (
    url: string | readonly string[],
    tls: MeshTls,
    extra: Partial<ConnectToOptions> = {},
  ) => connectTo({ baseUrl: url, tls, retry: { maxAttempts: 1 }, breaker: false, ...extra });
  const auth = createClient(AuthService, transport(mesh.urls("auth"), edge));
  const messagingClients = new Map<string, Client<typeof MessagingService>>();
  return {
    mesh,
    edge,
    auth,
    messaging(name) {
      let client = messagingClients.get(name);
      if (!client) {
        client = createClient(
          MessagingService,
          transport(mesh.instance(name).url, edge, { defaultTimeoutMs: 0 }),
        );
        messagingClients.set(name, client);
      }
      return client;
    },
    transport,
    async register(name) {
      const username = `${name}-${process.pid}-${++userCounter}`.slice(0, 32);
      const { session } = await auth.register(
        { username, email: `${username}@example.com`, password: "correct horse battery staple" },
        { timeoutMs: 30_000 },
      );
      const user = session?.user;
      if (!user || !session.accessToken) throw new Error("register returned no session");
      return {
        id: user.id,
        username: user.username,
        accessToken: session.accessToken,
        call: { headers: { authorization: `Bearer ${session.accessToken}` } },
      };
    },
    async close() {
      try {
        await mesh.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

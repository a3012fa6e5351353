import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { QueryClient } from "@tanstack/react-query";
import { createAuthInterceptor } from "../lib/auth-interceptor.js";
import { isRetryable } from "../lib/errors.js";
import { SessionManager } from "../lib/session-manager.js";
import { toStoredSession } from "../lib/stored-session.js";
import { UserDirectory } from "../lib/user-directory.js";
import { localSessionStore, SESSION_KEY, webLock } from "./browser-session.js";

/** Everything the app needs that outlives a session: one per page. */
export interface ParleyApp {
  readonly session: SessionManager;
  /** Connect-Web transport to the page's own origin, with the auth interceptor. */
  readonly transport: Transport;
  readonly auth: Client<typeof AuthService>;
  readonly messaging: Client<typeof MessagingService>;
  readonly queryClient: QueryClient;
  readonly users: UserDirectory;
}

/**
 * Wires the app: session (localStorage, Web Locks, Refresh through the generated AuthService
 * client), one Connect transport for every call (the API is on the page's origin), the generated
 * clients, TanStack Query's cache, and the batched user directory.
 */
export function createParleyApp(origin: string = window.location.origin): ParleyApp {
  let auth: Client<typeof AuthService> | undefined;
  const session = new SessionManager({
    store: localSessionStore(),
    exclusive: webLock("parley.session.refresh"),
    async refresh(refreshToken) {
      if (!auth) throw new Error("not ready");
      const { session: next } = await auth.refresh({ refreshToken });
      if (!next) throw new Error("Refresh answered without a session");
      return toStoredSession(next, Date.now());
    },
  });
  const transport = createConnectTransport({
    baseUrl: origin,
    useBinaryFormat: true,
    interceptors: [createAuthInterceptor(session)],
  });
  auth = createClient(AuthService, transport);
  const messaging = createClient(MessagingService, transport);
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        // Passing failures only, twice; the live stream keeps most data fresh by itself.
        retry: (count, err) => count < 2 && isRetryable(err),
        refetchOnWindowFocus: false,
        staleTime: 30_000,
      },
      mutations: { retry: false },
    },
  });
  const client = auth;
  const users = new UserDirectory(async (ids) => (await client.lookupUsers({ ids })).users);
  window.addEventListener("storage", (event) => {
    if (event.key === SESSION_KEY) session.syncFromStore();
  });
  return { session, transport, auth, messaging, queryClient, users };
}

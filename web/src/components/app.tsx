import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { AppContext, LiveContext, useApp } from "../app/context.js";
import type { ParleyApp } from "../app/create-app.js";
import { useSessionState } from "../app/hooks.js";
import { LiveSync } from "../app/live-sync.js";
import { usePathname } from "../app/router.js";
import type { SessionUser } from "../lib/stored-session.js";
import { AuthScreen, ResetPasswordScreen } from "./auth-screen.js";
import { ChatScreen } from "./chat-screen.js";

/** Providers: TanStack Query's cache, the Connect transport, the app. */
export function App({ app }: { app: ParleyApp }) {
  return (
    <QueryClientProvider client={app.queryClient}>
      <TransportProvider transport={app.transport}>
        <AppContext.Provider value={app}>
          <Root />
        </AppContext.Provider>
      </TransportProvider>
    </QueryClientProvider>
  );
}

function Root() {
  const app = useApp();
  const state = useSessionState();
  const pathname = usePathname();
  const signedOut = state.status === "signed-out";
  useEffect(() => {
    // Nothing of the previous person stays in memory.
    if (signedOut) app.queryClient.clear();
  }, [signedOut, app]);
  if (pathname === "/reset-password") return <ResetPasswordScreen />;
  if (state.status === "signed-out") return <AuthScreen reason={state.reason} />;
  return <SignedIn key={state.session.user.id} user={state.session.user} />;
}

/** Opens the live stream for the signed-in person and closes it when they leave. */
function SignedIn({ user }: { user: SessionUser }) {
  const app = useApp();
  const [live, setLive] = useState<LiveSync>();
  const userId = user.id;
  useEffect(() => {
    const sync = new LiveSync({ ...app, selfUserId: userId });
    sync.start();
    setLive(sync);
    return () => {
      sync.stop();
      setLive(undefined);
    };
  }, [app, userId]);
  if (!live) return null;
  return (
    <LiveContext.Provider value={live}>
      <ChatScreen />
    </LiveContext.Provider>
  );
}

import { createContext, useContext } from "react";
import type { ParleyApp } from "./create-app.js";
import type { LiveSync } from "./live-sync.js";

export const AppContext = createContext<ParleyApp | null>(null);
export const LiveContext = createContext<LiveSync | null>(null);

/** The page-wide app (session, clients, cache). */
export function useApp(): ParleyApp {
  const app = useContext(AppContext);
  if (!app) throw new Error("useApp outside <AppContext>");
  return app;
}

/** The signed-in live state (stream, send queue). */
export function useLiveSync(): LiveSync {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLiveSync outside <LiveContext>");
  return live;
}

import { useSyncExternalStore } from "react";

/** Where the person is: a channel, maybe one of its threads. */
export interface Route {
  readonly channelId?: string;
  readonly threadId?: string;
}

const NAVIGATE = "parley:navigate";

/** `/c/<channel>` and `/c/<channel>/t/<thread root>`; anything else is the home screen. */
export function parseRoute(path: string): Route {
  const match = /^\/c\/([0-9a-f-]{36})(?:\/t\/([0-9a-f-]{36}))?\/?$/i.exec(path);
  if (!match) return {};
  return { channelId: match[1], threadId: match[2] };
}

export function routePath(route: Route): string {
  if (!route.channelId) return "/";
  return route.threadId ? `/c/${route.channelId}/t/${route.threadId}` : `/c/${route.channelId}`;
}

/** Goes to a route (a history entry, so Back works). */
export function navigate(route: Route, replace = false): void {
  const path = routePath(route);
  if (path !== window.location.pathname) navigatePath(path, replace);
}

function subscribe(fn: () => void): () => void {
  window.addEventListener("popstate", fn);
  window.addEventListener(NAVIGATE, fn);
  return () => {
    window.removeEventListener("popstate", fn);
    window.removeEventListener(NAVIGATE, fn);
  };
}

/** The current path, for pages outside the chat (such as the password reset link). */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** Goes to a path outside the chat's routes. */
export function navigatePath(path: string, replace = false): void {
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE));
}

let cached: { path: string; route: Route } | undefined;

/** The current route (the server answers every path with the app, so reloads keep it). */
export function useRoute(): Route {
  const path = usePathname();
  if (cached?.path !== path) cached = { path, route: parseRoute(path) };
  return cached.route;
}

import type { Query, QueryClient } from "@tanstack/react-query";
import { isRetryable } from "../lib/errors.js";

/**
 * Whether a query's last fetch failed for want of Parley (a network failure, `unavailable`…, the
 * failures the queries retry): worth fetching again once the connection is back. A refusal (not
 * found, permission denied) would only be refused again.
 */
export function failedToReach(query: Query): boolean {
  return query.state.status === "error" && isRetryable(query.state.error);
}

/**
 * Fetches again the queries on screen whose last fetch failed to reach Parley. LiveSync calls it
 * when the live stream is (re)established, so a view that failed while the server was
 * unreachable (a restart, an outage the browser did not notice) heals by itself instead of
 * showing "Try again" until clicked. Queries that are fine are left untouched (nothing flickers),
 * a fetch already under way is kept rather than started over, and a failed query nobody shows is
 * fetched when it is shown again, as always.
 */
export function refetchFailedQueries(queryClient: QueryClient): Promise<void> {
  return queryClient.refetchQueries(
    { type: "active", predicate: failedToReach },
    { cancelRefetch: false },
  );
}

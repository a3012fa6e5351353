import type { User } from "@parley/gen/parley/auth/v1/user_pb.js";
import { useQueries } from "@tanstack/react-query";
import { useApp } from "./context.js";
import { userKey } from "./live-sync.js";

/** Several accounts at once (one batched LookupUsers), in the order of `ids`. */
export function useUsers(ids: readonly string[]): (User | null | undefined)[] {
  const { users } = useApp();
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: userKey(id),
      queryFn: async () => (await users.load(id)) ?? null,
      staleTime: 5 * 60_000,
    })),
    combine: (results) => results.map((r) => r.data),
  });
}

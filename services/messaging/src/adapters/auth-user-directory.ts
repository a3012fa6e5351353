import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import type { DirectoryUser, UserDirectory } from "../ports.js";

/** LookupUsers takes at most this many ids, and as many usernames, per call. */
const LOOKUP_BATCH = 100;

/**
 * {@link UserDirectory} on auth's `LookupUsers`: in the single process through an in-process
 * transport (`createRouterTransport` around auth's service), in the mesh through
 * `connectTo(auth)`, where messaging calls on its own account (the policy grants it). Nothing is
 * cached: accounts change in auth, not here.
 */
export class AuthUserDirectory implements UserDirectory {
  constructor(private readonly client: Client<typeof AuthService>) {}

  async lookupByIds(ids: readonly string[]): Promise<Map<string, DirectoryUser>> {
    const found = new Map<string, DirectoryUser>();
    for (const batch of batches([...new Set(ids)])) {
      const res = await this.client.lookupUsers({ ids: batch });
      for (const user of res.users) found.set(user.id, toDirectoryUser(user));
    }
    return found;
  }

  async lookupByUsernames(usernames: readonly string[]): Promise<Map<string, DirectoryUser>> {
    const found = new Map<string, DirectoryUser>();
    const names = [...new Set(usernames.map((name) => name.toLowerCase()))].filter(
      (name) => name.length >= 1 && name.length <= 32,
    );
    for (const batch of batches(names)) {
      const res = await this.client.lookupUsers({ usernames: batch });
      for (const user of res.users) found.set(user.username.toLowerCase(), toDirectoryUser(user));
    }
    return found;
  }
}

/** A directory on auth reached through `transport`. */
export function createAuthUserDirectory(transport: Transport): AuthUserDirectory {
  return new AuthUserDirectory(createClient(AuthService, transport));
}

function toDirectoryUser(user: {
  id: string;
  username: string;
  displayName: string;
}): DirectoryUser {
  return { id: user.id, username: user.username.toLowerCase(), displayName: user.displayName };
}

function* batches<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += LOOKUP_BATCH) yield items.slice(i, i + LOOKUP_BATCH);
}

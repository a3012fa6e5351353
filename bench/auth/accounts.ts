import type { AuthClient } from "./client.js";

/** A registered bench account and the access token its registration returned. */
export interface BenchAccount {
  readonly username: string;
  readonly password: string;
  readonly accessToken: string;
}

/**
 * Registers `count` accounts through the running auth server (each costs one argon2id hash at
 * production parameters), at most 4 at a time.
 */
export async function registerAccounts(client: AuthClient, count: number): Promise<BenchAccount[]> {
  const accounts: BenchAccount[] = [];
  const stamp = Date.now().toString(36);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const username = `bench-${stamp}-${i}`;
      const password = `bench password ${i} ${stamp}`;
      const { accessToken } = await client.register({
        username,
        email: `${username}@bench.parley.local`,
        password,
      });
      accounts[i] = { username, password, accessToken };
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
  return accounts;
}

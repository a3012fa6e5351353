import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import type { JwksSource } from "./token-verifier.js";

/**
 * Where a service's token verifier gets auth's public keys when auth is another process: auth's
 * `GetJwks` (a public RPC), as plain JWKs. The verifier caches them and asks again only for an
 * unknown `kid`. Every service but auth itself uses this in its `main.ts`.
 */
export function authJwksSource(auth: Client<typeof AuthService> | Transport): JwksSource {
  const client = "getJwks" in auth ? auth : createClient(AuthService, auth);
  return async () =>
    (await client.getJwks({})).keys.map((key) => ({
      kty: key.kty,
      crv: key.crv,
      x: key.x,
      kid: key.kid,
      ...(key.alg && { alg: key.alg }),
      ...(key.use && { use: key.use }),
    }));
}

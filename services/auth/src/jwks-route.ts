import type { NodeRequest, NodeResponse } from "@parley/mesh";
import type { Auth } from "./auth-module.js";

/** Where verifiers outside the mesh (Envoy's jwt_authn, other stacks) fetch auth's public keys. */
export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * Serves `GET /.well-known/jwks.json` as `{ keys: [...] }` (RFC 7517), the same keys as the
 * GetJwks RPC, cacheable for a minute so rotations are picked up quickly.
 */
export function createJwksRoute(
  signingKeys: Auth["signingKeys"],
): (req: NodeRequest, res: NodeResponse) => Promise<boolean> {
  return async (req, res) => {
    const path = req.url?.split("?")[0];
    if (path !== JWKS_PATH || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const body = JSON.stringify({ keys: await signingKeys.jwks() });
    res.writeHead(200, {
      "content-type": "application/jwk-set+json",
      "cache-control": "public, max-age=60",
      "content-length": Buffer.byteLength(body),
    });
    res.end(req.method === "HEAD" ? "" : body);
    return true;
  };
}

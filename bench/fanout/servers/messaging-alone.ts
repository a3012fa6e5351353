/**
 * Server child for `bench/fanout/send-cost.ts`: one messaging instance on `serveMessaging()`
 * (the mesh's serve() and its whole interceptor chain, h2c) with its real SQLite store in a
 * temporary folder and the in-process bus; access tokens are `user:<uuid>` strings (the token
 * check is not what this measures: production verifies a token once and caches it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, InvalidTokenError } from "@parley/mesh";
import { loadConfig, serveMessaging } from "@parley/messaging";
import { runServerChild } from "../../lib/child-protocol.js";

runServerChild(async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-send-cost-"));
  const server = await serveMessaging(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      PARLEY_MESSAGING_DATA_DIR: dir,
      PARLEY_MESSAGING_SEND_LIMIT: "off",
      LOG_LEVEL: "warn",
    }),
    {
      logger: createLogger({ service: "messaging", level: "warn" }),
      tokens: {
        async verify(token) {
          if (!token.startsWith("user:")) throw new InvalidTokenError("unknown token");
          return {
            id: token.slice(5),
            role: "member",
            tokenId: token,
            expiresAt: new Date(Date.now() + 86_400_000),
          };
        },
      },
      users: {
        async lookupByIds() {
          return new Map();
        },
        async lookupByUsernames() {
          return new Map();
        },
      },
    },
  );
  return {
    port: server.served.port,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

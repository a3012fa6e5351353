import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type AuthServer, type CreateAuthOptions, loadConfig, serveAuth } from "@parley/auth";
import { createLogger, type Logger, type MeshTls } from "@parley/mesh";

/** A logger that writes nothing (set LOG_LEVEL=debug to see test servers' logs). */
export function testLogger(service = "test"): Logger {
  return createLogger({ service, level: process.env.TEST_LOG_LEVEL ?? "silent" });
}

/**
 * A real auth server on 127.0.0.1:0 with its own SQLite database in a temp dir: plaintext
 * (h2c + HTTP/1.1) by default, mesh mode (mTLS) when `tls` is given. `env` overrides
 * configuration variables, e.g. rate limits.
 */
export async function startAuthServer(
  options: { tls?: MeshTls; env?: Record<string, string>; logger?: Logger } & Omit<
    CreateAuthOptions,
    "logger"
  > = {},
): Promise<AuthServer & { readonly url: string; readonly dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "parley-auth-"));
  const { tls, env, logger = testLogger("auth"), ...authOptions } = options;
  const config = loadConfig({
    PARLEY_AUTH_DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    ...env,
  });
  const server = await serveAuth(config, { logger, tls, ...authOptions });
  const url = `${tls ? "https" : "http"}://localhost:${server.served.port}`;
  return { ...server, url, dataDir };
}

/** A logger whose JSON lines the test can read back (`lines()`), e.g. to see why TLS refused. */
export function captureLogger(service = "test"): {
  logger: Logger;
  lines(): Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ service, level: "info", destination });
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

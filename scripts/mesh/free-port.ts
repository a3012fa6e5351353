import { createServer } from "node:net";

/**
 * A TCP port that was free on `host` a moment ago (the kernel's pick for port 0). Another process
 * may take it before the caller binds it, so callers that spawn a server on it retry on
 * `EADDRINUSE`.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

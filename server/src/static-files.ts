import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { NodeRequest, NodeResponse } from "@parley/mesh";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
};

/**
 * The app loads only its own scripts and styles and talks only to its own origin: a script
 * injected into a message could not run (no inline scripts), nor send a stolen session elsewhere
 * (connect-src 'self'). Inline `style` attributes set from script (React's style prop) are CSSOM
 * writes, which CSP does not restrict.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** Shown when the app has not been built (the server was started without `npm start`). */
const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Parley is running, but its web app is not built</h1>
<p>The API answers on this origin. To build the app, run <code>npm run build:web</code>
(<code>npm start</code> does it for you), then reload this page.</p>
</body></html>
`;

/**
 * Serves the built web app from `root` on the API's origin: files by path, and `index.html` for
 * any other page path (no file extension) so client-side routes such as `/c/<id>` survive a
 * reload. A missing asset is a 404, not the app's HTML. Paths cannot escape `root`, and dot files
 * (the build stamp) are never served. Vite's hashed assets are cached for good; `index.html` is
 * revalidated on every load so a new build is picked up at once.
 */
export function createStaticFiles(root: string) {
  const base = normalize(root + sep);
  return async (req: NodeRequest, res: NodeResponse): Promise<boolean> => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      return false;
    }
    if (path.split("/").some((segment) => segment.startsWith("."))) return false;
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) return false;
    let target = file;
    let info = await fileStats(file);
    if (!info) {
      if (extname(path) !== "") return false;
      target = join(base, "index.html");
      info = await fileStats(target);
    }
    if (!info) {
      const body = Buffer.from(NOT_BUILT);
      res.writeHead(503, {
        "content-type": "text/html; charset=utf-8",
        "content-length": body.length,
        "cache-control": "no-cache",
        ...SECURITY_HEADERS,
      });
      res.end(req.method === "HEAD" ? "" : body);
      return true;
    }
    const isIndex = target.endsWith(`${sep}index.html`);
    const immutable = target.startsWith(join(base, "assets") + sep);
    res.writeHead(200, {
      "content-type": TYPES[extname(target)] ?? "application/octet-stream",
      "content-length": info.size,
      "cache-control": isIndex
        ? "no-cache"
        : immutable
          ? "public, max-age=31536000, immutable"
          : "public, max-age=300",
      ...SECURITY_HEADERS,
      ...(isIndex ? { "content-security-policy": CONTENT_SECURITY_POLICY } : {}),
    });
    if (req.method === "HEAD") res.end("");
    else createReadStream(target).pipe(res as NodeJS.WritableStream);
    return true;
  };
}

/** The file's stats, or undefined when there is no regular file at `path`. */
async function fileStats(path: string): Promise<Stats | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

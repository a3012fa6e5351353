import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { NodeRequest, NodeResponse } from "@parley/mesh";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
};

/**
 * Serves the web app from `root` on the API's origin: files by path, and `index.html` for any
 * other GET so client-side routes survive a reload. Paths cannot escape `root`.
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
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) return false;
    const target = (await isFile(file)) ? file : join(base, "index.html");
    if (!(await isFile(target))) return false;
    const info = await stat(target);
    res.writeHead(200, {
      "content-type": TYPES[extname(target)] ?? "application/octet-stream",
      "content-length": info.size,
      "cache-control": target.endsWith("index.html") ? "no-cache" : "public, max-age=300",
      "x-content-type-options": "nosniff",
    });
    if (req.method === "HEAD") res.end("");
    else createReadStream(target).pipe(res as NodeJS.WritableStream);
    return true;
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

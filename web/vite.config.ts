import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The web app's build (`vite build` → web/dist, served by `npm start` on the API's origin) and
 * dev server (`npm run dev -w web`: hot reload on :5173, API calls proxied to a running
 * `npm start`). PARLEY_DEV_API points the proxy elsewhere (tooling config, not a service's).
 */
const api = process.env.PARLEY_DEV_API ?? "http://localhost:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    // One chunk (~150 KB gzipped: React, protobuf-es with the contracts' descriptors, the app):
    // the app is useless until all of it is there, so splitting would only add round trips.
    chunkSizeWarningLimit: 800,
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      // Connect/gRPC-Web paths are /<package>.<Service>/<Method>; plus the JWKS document.
      "^/(parley|grpc)\\.[^/]+/": { target: api, changeOrigin: false },
      "/.well-known/": { target: api, changeOrigin: false },
    },
  },
});

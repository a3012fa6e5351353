// Tests are TypeScript, run through tsx. Servers bind port 0, so files can run in parallel.
export default {
  files: [
    "mesh/test/**/*.test.ts",
    "services/*/test/**/*.test.ts",
    "server/test/**/*.test.ts",
    "test/**/*.test.ts",
    "web/test/**/*.test.ts",
  ],
  nodeArguments: ["--import=tsx"],
  extensions: { ts: "module" },
  timeout: "2m",
  concurrency: 2,
  workerThreads: false,
};

/**
 * `npm run mesh` as a person uses it: the launcher's own process, started on free ports with
 * throwaway certificates and data. It prints a table of URLs once every process answers its
 * health check, forwards logs with the instance's name in front, reports a process that dies,
 * and on Ctrl-C (SIGINT) stops every process and exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { waitUntil } from "./support/redis.js";

const root = join(import.meta.dirname, "..");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("npm run mesh: URL table, prefixed logs, a dead process reported, Ctrl-C stops everything with exit 0", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "parley-mesh-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let out = "";
  let err = "";
  const launcher: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(root, "scripts", "mesh", "run.ts"),
      "--free-ports",
      "--certs",
      join(dir, "certs"),
      "--data",
      join(dir, "data"),
      "--raw",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
  );
  launcher.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  launcher.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    launcher.once("exit", (code, signal) => resolve({ code, signal })),
  );
  t.teardown(() => {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill("SIGKILL");
  });

  await waitUntil(
    () => out.includes("Parley local mesh is up") || launcher.exitCode !== null,
    "the mesh is up",
    90_000,
  );
  t.true(out.includes("Parley local mesh is up"), `launcher output:\n${out}\n${err}`);

  // The table: one row per instance with its URL and process id.
  const rows = new Map<string, { url: string; pid: number }>();
  for (const match of out.matchAll(
    /^\s+([a-z]+(?:-\d+)?)\s+(https:\/\/127\.0\.0\.1:\d+)\s+pid (\d+)/gm,
  )) {
    rows.set(match[1] ?? "", { url: match[2] ?? "", pid: Number(match[3]) });
  }
  t.deepEqual([...rows.keys()].sort(), ["auth", "messaging-1", "messaging-2", "notifications"]);
  t.regex(out, /redis\s+redis:\/\/127\.0\.0\.1:\d+/);
  for (const { pid } of rows.values()) t.true(alive(pid));
  // The discovery file the processes read names exactly those addresses.
  const discovery = await readFile(join(dir, "data", "discovery.yaml"), "utf8");
  for (const { url } of rows.values()) t.true(discovery.includes(url));

  // Logs come through with the instance's name in front (raw pino JSON with --raw).
  t.regex(out, /^messaging-2\s+\| \{.*"msg":"messaging listening"/m);
  t.regex(out, /^auth\s+\| \{.*"service":"auth"/m);

  // A process that dies on its own is reported; the others keep running.
  const victim = rows.get("messaging-2");
  if (!victim) throw new Error("no messaging-2 row");
  process.kill(victim.pid, "SIGKILL");
  await waitUntil(() => err.includes("messaging-2"), "the death was reported", 30_000);
  t.regex(err, /messaging-2 \(https:\/\/127\.0\.0\.1:\d+\) died with signal SIGKILL/);
  t.true(alive(rows.get("messaging-1")?.pid ?? 0));

  // Ctrl-C: everything stops, the launcher exits 0.
  launcher.kill("SIGINT");
  const exit = await exited;
  t.deepEqual(exit, { code: 0, signal: null }, `stderr:\n${err}`);
  t.regex(out, /mesh: stopped/);
  for (const [name, { pid }] of rows) t.false(alive(pid), `${name} is gone`);
  t.regex(out, /^messaging-1\s+\| .*"shutting down"/m, "services were stopped gracefully");
});

/**
 * `npm run mesh`: the local mesh in one terminal. Starts Redis and one process per service
 * instance (mesh/local-mesh.yaml: auth, notifications when it exists, two messaging instances),
 * waits until each reports SERVING over mTLS, prints where everything is, and forwards every
 * process's log lines with its name in front. Ctrl-C stops everything and exits 0; a process
 * that dies on its own is reported and the others keep running.
 *
 *   npm run mesh -- [--base-port <n> | --free-ports] [--messaging <n>] [--certs <dir>]
 *                   [--data <dir>] [--layout <file>] [--log-level <level>] [--raw]
 */
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_CERTS_DIR,
  DEFAULT_DATA_DIR,
  DEFAULT_LAYOUT_FILE,
  type LocalMesh,
  type MeshLogLine,
  startLocalMesh,
} from "./local-mesh.js";

const usage = `usage: npm run mesh -- [options]

Starts the local mesh: Redis, auth, notifications (when it exists) and two messaging instances,
each its own process with its own mTLS identity. Ctrl-C stops everything.

  --base-port <n>      Redis on <n>, the services on the next ports (default: the layout's, 7400+)
  --free-ports         pick free ports for everything
  --messaging <n>      messaging instances (default: the layout's, 2)
  --certs <dir>        certificates, created when missing (default: mesh/certs)
  --data <dir>         SQLite databases and the generated discovery file (default: data/mesh)
  --layout <file>      services and default addresses (default: mesh/local-mesh.yaml)
  --log-level <level>  the services' LOG_LEVEL (default: info)
  --raw                print the services' JSON log lines as they are
  -h, --help           show this help`;

function fail(message: string): never {
  console.error(`mesh: ${message}\n\n${usage}`);
  process.exit(2);
}

function commandLine() {
  try {
    return parseArgs({
      options: {
        "base-port": { type: "string" },
        "free-ports": { type: "boolean", default: false },
        messaging: { type: "string" },
        certs: { type: "string" },
        data: { type: "string" },
        layout: { type: "string" },
        "log-level": { type: "string" },
        raw: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
}

const args = commandLine();
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const wholeNumber = (name: string, raw: string | undefined, min: number, max: number) => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    fail(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
};
const basePort = args["free-ports"] ? 0 : wholeNumber("base-port", args["base-port"], 1, 65000);
const messaging = wholeNumber("messaging", args.messaging, 1, 16);

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const PALETTE = [36, 35, 33, 32, 34, 91, 96, 95];
const tints = new Map<string, number>();
const tag = (name: string) => {
  if (!tints.has(name)) tints.set(name, PALETTE[tints.size % PALETTE.length] ?? 36);
  return paint(tints.get(name) ?? 36, name.padEnd(13));
};

const LEVELS: Record<number, [string, number]> = {
  10: ["TRACE", 90],
  20: ["DEBUG", 90],
  30: ["INFO ", 32],
  40: ["WARN ", 33],
  50: ["ERROR", 31],
  60: ["FATAL", 31],
};
const HIDDEN = new Set(["level", "time", "msg", "service", "pid", "hostname"]);

/** A pino JSON line as `HH:MM:SS LEVEL message key=value ...`; anything else unchanged. */
function pretty(line: string): string {
  if (args.raw || !line.startsWith("{")) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const [level, tint] = LEVELS[Number(record.level)] ?? ["     ", 0];
  const time = new Date(Number(record.time) || Date.now()).toTimeString().slice(0, 8);
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${paint(90, time)} ${paint(tint, level)} ${String(record.msg ?? "")}${fields ? ` ${paint(90, fields)}` : ""}`;
}

const print = ({ instance, line }: MeshLogLine) => {
  if (line.trim() === "") return;
  process.stdout.write(`${tag(instance)} | ${pretty(line)}\n`);
};

let mesh: LocalMesh | undefined;
let stopping = false;
let stoppingSince = 0;
const stopAll = async (signal: string) => {
  if (stopping) {
    // `npm run` forwards the terminal's Ctrl-C to us although we got it already: the same
    // press arrives twice within milliseconds. Only a later one means "kill everything now".
    if (Date.now() - stoppingSince < 1_000) return;
    console.error(paint(31, `\nmesh: ${signal} again: killing everything`));
    process.exit(1);
  }
  stopping = true;
  stoppingSince = Date.now();
  console.log(paint(1, `\nmesh: ${signal}: stopping every process...`));
  await mesh?.stop();
  console.log(paint(1, "mesh: stopped"));
  process.exit(0);
};
process.on("SIGINT", () => void stopAll("SIGINT"));
process.on("SIGTERM", () => void stopAll("SIGTERM"));

const certsDir = args.certs ?? DEFAULT_CERTS_DIR;
const dataDir = args.data ?? DEFAULT_DATA_DIR;
const here = (path: string) => relative(process.cwd(), path) || ".";
console.log(
  paint(
    1,
    `mesh: starting (certificates in ${here(certsDir)}, data in ${here(dataDir)}, layout ${here(args.layout ?? DEFAULT_LAYOUT_FILE)})`,
  ),
);

try {
  mesh = await startLocalMesh({
    ...(basePort !== undefined && { basePort }),
    ...(messaging !== undefined && { instances: { messaging } }),
    certsDir,
    dataDir,
    ...(args.layout !== undefined && { layoutFile: args.layout }),
    ...(args["log-level"] !== undefined && { logLevel: args["log-level"] }),
    onLog: print,
    onUnexpectedExit(instance, exit) {
      if (stopping) return;
      const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
      console.error(
        paint(
          31,
          `mesh: ${instance.name} (${instance.url}) died with ${how}; the other processes keep running. Ctrl-C stops everything.`,
        ),
      );
    },
  });
} catch (err) {
  if (stopping) process.exit(0);
  console.error(paint(31, `mesh: could not start: ${(err as Error).message}`));
  process.exit(1);
}

if (!stopping && mesh) {
  const rows = [
    ["redis", mesh.redisUrl, "fan-out, rate limits, presence"],
    ...mesh.instances.map((i) => [i.name, i.url, `pid ${i.pid}, identity ${i.service}`]),
  ];
  const cert = (file: string) => here(join(mesh?.certsDir ?? "", file));
  const width = Math.max(...rows.map((r) => r[0]?.length ?? 0));
  const lines = [
    "",
    paint(1, "Parley local mesh is up (gRPC, Connect and gRPC-Web over mTLS on every port):"),
    ...rows.map(
      ([name, url, note]) => `  ${(name ?? "").padEnd(width)}  ${url}  ${paint(90, note ?? "")}`,
    ),
    ...(mesh.skipped.length > 0
      ? [`  not started (no src/main.ts yet): ${mesh.skipped.join(", ")}`]
      : []),
    "",
    `  certificates  ${here(mesh.certsDir)} (clients present e.g. edge.pem/edge.key, trust ca.pem)`,
    `  discovery     ${here(mesh.discoveryFile)}`,
    `  try           curl --cacert ${cert("ca.pem")} --cert ${cert("edge.pem")} --key ${cert("edge.key")} \\
                  -H 'content-type: application/json' -d '{}' ${mesh.urls("auth")[0]}/parley.auth.v1.AuthService/GetJwks`,
    "",
    "Ctrl-C stops everything.",
    "",
  ];
  console.log(lines.join("\n"));
}

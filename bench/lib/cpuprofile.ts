import { readFileSync } from "node:fs";

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that a summary needs. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Self time of one function (or one category), in ms and as a share of the busy time. */
export interface ProfileEntry {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

/**
 * A stretch of a profile in V8's clock: microseconds of CLOCK_MONOTONIC on Linux, the clock
 * `process.hrtime()` reads in any process of the machine, so a runner can crop a child's profile
 * to its own measured window (`hrtimeUs()` at both ends).
 */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now, in the clock of {@link ProfileWindow}. */
export function hrtimeUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileSummary {
  /** Wall time the profile (or the window of it) covers. */
  readonly totalMs: number;
  /** Sampled time not spent idle (the main thread's CPU, roughly). */
  readonly busyMs: number;
  /** Functions by self time, largest first. */
  readonly functions: readonly ProfileEntry[];
  /** Self time by where the code lives: a package, a Parley folder, Node's internals, GC... */
  readonly categories: readonly ProfileEntry[];
}

/**
 * Reads a `.cpuprofile` and adds up self time per function (samples weighted by their time
 * deltas, so an irregular sampling interval does not skew it) and per category, over the whole
 * profile or only the samples inside `window`. Idle time is left out of the shares: they are
 * shares of the time the thread was busy.
 */
export function summarizeCpuProfile(
  path: string,
  root = process.cwd(),
  window?: ProfileWindow,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfByNode = new Map<number, number>();
  const from = window?.fromUs ?? Number.NEGATIVE_INFINITY;
  const to = window?.toUs ?? Number.POSITIVE_INFINITY;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the time after a sample to it.
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) continue;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
  }
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const categories = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfByNode) {
    const frame = frameOf.get(id);
    if (!frame) continue;
    const name = frame.functionName || "(anonymous)";
    if (name === "(idle)") continue;
    busyUs += us;
    const where = frame.url ? `${shorten(frame.url, root)}:${frame.lineNumber + 1}` : "";
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const category = categoryOf(name, frame.url, root);
    categories.set(category, (categories.get(category) ?? 0) + us);
  }
  const share = (us: number) => (busyUs === 0 ? 0 : us / busyUs);
  return {
    totalMs: (Math.min(to, profile.endTime) - Math.max(from, profile.startTime)) / 1000,
    busyMs: busyUs / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: share(f.us) })),
    categories: [...categories]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, where: "", selfMs: us / 1000, share: share(us) })),
  };
}

/** `file:///…/node_modules/@connectrpc/connect/dist/esm/x.js` → `@connectrpc/connect/dist/esm/x.js`. */
function shorten(url: string, root: string): string {
  let path = url.replace(/^file:\/\//, "");
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) return path.slice(modules + "/node_modules/".length);
  if (path.startsWith(root)) path = path.slice(root.length).replace(/^\//, "");
  return path;
}

/** Where the code lives: an npm package, a Parley folder, Node's own code, or a V8 bucket. */
function categoryOf(name: string, url: string, root: string): string {
  if (!url) {
    if (name.startsWith("(")) return name; // (garbage collector), (program)
    return "native / V8 builtins";
  }
  if (url.startsWith("node:")) {
    const module = url.slice("node:".length).replace(/^internal\//, "");
    return `node:${module
      .split("/")
      .slice(0, module.startsWith("streams") ? 1 : 2)
      .join("/")}`;
  }
  const path = url.replace(/^file:\/\//, "");
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = path.slice(modules + "/node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (path.startsWith(root)) {
    const parts = path.slice(root.length).replace(/^\//, "").split("/");
    // services/messaging/src/live/hub.ts → parley services/messaging/src/live
    return `parley ${parts.slice(0, Math.min(4, parts.length - 1)).join("/")}`;
  }
  return path;
}

/** A component of a program for {@link attributeCpuProfile}: a name and the frames that are its code. */
export interface ComponentRule {
  readonly name: string;
  readonly test: (frame: { readonly functionName: string; readonly url: string }) => boolean;
  /**
   * Matched only when no other rule matches any frame of the stack (Node's own modules: a
   * socket write that ioredis made is ioredis's cost, one nothing above Node made is Node's).
   */
  readonly fallback?: boolean;
}

/**
 * Self time by component, with time in native code and in Node's own modules (a socket write,
 * `TextEncoder.encode`, a SQLite step) charged to the code that called it: each sample goes to
 * the component of the innermost frame on its stack that a non-fallback rule matches (rules are
 * tried in order on that frame), else to the innermost fallback match. GC and V8's `(program)`
 * stay on their own; idle time is left out.
 */
export function attributeCpuProfile(
  path: string,
  rules: readonly ComponentRule[],
  window?: ProfileWindow,
): ProfileEntry[] {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const componentOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = componentOf.get(id);
    if (known !== undefined) return known;
    const name = byId.get(id)?.callFrame.functionName ?? "";
    let component: string;
    if (name === "(idle)" || name === "(garbage collector)" || name === "(program)") {
      component = name;
    } else {
      let found: ComponentRule | undefined;
      let fallback: ComponentRule | undefined;
      for (let at: number | undefined = id; at !== undefined && !found; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (!frame) continue;
        found = rules.find((r) => !r.fallback && r.test(frame));
        fallback ??= rules.find((r) => r.fallback && r.test(frame));
      }
      component = (found ?? fallback)?.name ?? "other";
    }
    componentOf.set(id, component);
    return component;
  };
  const from = window?.fromUs ?? Number.NEGATIVE_INFINITY;
  const to = window?.toUs ?? Number.POSITIVE_INFINITY;
  const sums = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) continue;
    const component = classify(profile.samples[i]!);
    if (component === "(idle)") continue;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    busy += delta;
    sums.set(component, (sums.get(component) ?? 0) + delta);
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({
      name,
      where: "",
      selfMs: us / 1000,
      share: busy === 0 ? 0 : us / busy,
    }));
}

import { execFileSync } from "node:child_process";

/**
 * The commit measured, and whether the runtime under test differs from it (uncommitted changes
 * in mesh/, services/ or gen/), for the header of a report.
 */
export function treeState(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const head = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--", "mesh", "services", "gen");
    return `commit ${head}${dirty ? " + uncommitted changes in mesh/services/gen" : ""}`;
  } catch {
    return "not a git checkout";
  }
}

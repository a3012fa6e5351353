/**
 * Stand-ins every service's tests share: a clock moved by hand, a logger that keeps its lines, a
 * temporary directory removed at the end of the test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock, StructuredLogger } from "@parley/mesh";
import type { ExecutionContext } from "ava";

/**
 * A clock tests move by hand: only `advance` moves it. It starts at `ms`, by default the wall
 * clock's current second, so that code reading the real time (the mesh's token verifier) agrees
 * with it about which tokens are live.
 */
export class FakeClock implements Clock {
  constructor(public ms = Math.floor(Date.now() / 1000) * 1000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * A {@link FakeClock} that starts at 2030-01-01 12:00 UTC unless told otherwise: a fixed instant
 * for services whose tests never meet the mesh's real-time token checks (auth, messaging).
 */
export class FakeClock2030 extends FakeClock {
  constructor(ms = Date.UTC(2030, 0, 1, 12, 0, 0)) {
    super(ms);
  }
}

/** A logger that keeps every line, to assert what is (and is not) logged. */
export class MemoryLogger implements StructuredLogger {
  readonly lines: { level: string; fields: object; message: string }[] = [];
  debug(fields: object, message: string) {
    this.lines.push({ level: "debug", fields, message });
  }
  info(fields: object, message: string) {
    this.lines.push({ level: "info", fields, message });
  }
  warn(fields: object, message: string) {
    this.lines.push({ level: "warn", fields, message });
  }
  error(fields: object, message: string) {
    this.lines.push({ level: "error", fields, message });
  }
  /** Whether a line's message matches. */
  has(message: RegExp): boolean {
    return this.lines.some((line) => message.test(line.message));
  }
  /** Every line as `message {fields}`, one a line, to search for what must not be logged. */
  text(): string {
    return this.lines.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join("\n");
  }
}

/** A new temporary directory, removed (with its contents) when the test ends. */
export function tempDir(t: ExecutionContext, prefix = "parley-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

import type { Logger } from "../telemetry/logger.js";

/** What an {@link OutageReporter} writes when a dependency goes away and when it comes back. */
export interface OutageMessages {
  readonly down: string;
  readonly up: string;
}

/**
 * Logs the start and the end of an outage once each, however many failures happen in between.
 *
 * While Redis is down every reconnect attempt and every request fails; logging each one would
 * bury the logs in identical lines, yet SREs need to see when it went away and when it came back.
 * Only the failure's message is logged, never the error object: ioredis errors can carry the
 * command's arguments, which may be message payloads.
 */
export class OutageReporter {
  #down = false;
  readonly #logger: Logger | undefined;
  readonly #fields: Record<string, unknown>;
  readonly #messages: OutageMessages;

  constructor(
    logger: Logger | undefined,
    fields: Record<string, unknown>,
    messages: OutageMessages,
  ) {
    this.#logger = logger;
    this.#fields = fields;
    this.#messages = messages;
  }

  /** Whether an outage is in progress (a failure was seen and no success since). */
  get down(): boolean {
    return this.#down;
  }

  /** Records a failure; only the first one of an outage is logged. */
  failed(err: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#logger?.warn({ ...this.#fields, reason: errorMessage(err) }, this.#messages.down);
  }

  /** Records a success; logs the end of the outage if there was one. */
  recovered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#logger?.info(this.#fields, this.#messages.up);
  }
}

/** A failure's message without its stack or attached data (safe to log). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { Code, ConnectError } from "@connectrpc/connect";
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from "cockatiel";
import type { Logger } from "../telemetry/logger.js";

/** When an upstream's circuit opens and how long it stays open. */
export interface BreakerOptions {
  /** Consecutive transport failures that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long an open circuit fails fast before it lets one probe call through (default 5 s). */
  readonly halfOpenAfterMs?: number;
}

/** What an open circuit throws (as the `cause` of an `unavailable` ConnectError). */
export class CircuitOpenError extends Error {
  override name = "CircuitOpenError";
}

/**
 * Whether a failed call says something about the upstream's health, as opposed to the request:
 * `unavailable` and `deadline_exceeded` always; `internal`, `aborted` and `unknown` only when no
 * gRPC status came back (a reset stream, a cut connection), never when the server answered with
 * that status, because a handler's bug says nothing about whether the instance is up. Cancelled
 * calls and every other code (`permission_denied`, `invalid_argument`, ...) do not count.
 */
export function isTransportFailure(err: unknown): boolean {
  if (!(err instanceof ConnectError)) return false;
  if (err.cause instanceof CircuitOpenError) return false;
  switch (err.code) {
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return true;
    case Code.Internal:
    case Code.Aborted:
    case Code.Unknown:
      return !err.metadata.has("grpc-status");
    default:
      return false;
  }
}

/** Whether `err` is an open circuit's fast failure (no call was made). */
export function isCircuitOpen(err: unknown): boolean {
  return err instanceof ConnectError && err.cause instanceof CircuitOpenError;
}

/**
 * A circuit breaker for one upstream address (cockatiel's consecutive-failure breaker): after
 * `failureThreshold` transport failures in a row the circuit opens and calls fail at once with
 * `unavailable`, without touching the network, for `halfOpenAfterMs`; then one probe call goes
 * through (others wait for its outcome) and its success closes the circuit again.
 */
export class UpstreamBreaker {
  readonly #policy;
  readonly #halfOpenAfterMs: number;
  readonly #threshold: number;
  #openedAt = 0;
  #lastFailure = "";

  constructor(
    /** The upstream's base URL, named in errors and logs. */
    readonly target: string,
    options: BreakerOptions = {},
    logger?: Logger,
  ) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#halfOpenAfterMs = options.halfOpenAfterMs ?? 5_000;
    this.#policy = circuitBreaker(handleWhen(isTransportFailure), {
      halfOpenAfter: this.#halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.#threshold),
    });
    this.#policy.onBreak((reason) => {
      this.#openedAt = Date.now();
      this.#lastFailure =
        "error" in reason ? ConnectError.from(reason.error).message : "a failed result";
      logger?.warn(
        { upstream: target, failures: this.#threshold, last: this.#lastFailure },
        "circuit opened: failing fast",
      );
    });
    this.#policy.onHalfOpen(() => logger?.info({ upstream: target }, "circuit half-open: probing"));
    this.#policy.onReset(() => logger?.info({ upstream: target }, "circuit closed"));
  }

  /** `closed` (calls flow), `open` (failing fast) or `half-open` (one probe in flight). */
  get state(): "closed" | "open" | "half-open" {
    switch (this.#policy.state) {
      case CircuitState.Closed:
        return "closed";
      case CircuitState.HalfOpen:
        return "half-open";
      default:
        return "open";
    }
  }

  /** Whether a call now would reach the network: closed, or open with its cool-down over. */
  admits(now = Date.now()): boolean {
    const state = this.#policy.state;
    if (state === CircuitState.Closed || state === CircuitState.HalfOpen) return true;
    return now - this.#openedAt >= this.#halfOpenAfterMs;
  }

  /**
   * Runs one call through the breaker; an open circuit throws `unavailable` at once. A call the
   * upstream answered, even with an error status, counts as a success: the instance is up.
   */
  async execute<T>(call: () => Promise<T>): Promise<T> {
    let outcome: { readonly value: T } | { readonly error: unknown };
    try {
      outcome = await this.#policy.execute(async () => {
        try {
          return { value: await call() };
        } catch (error) {
          if (isTransportFailure(error)) throw error;
          return { error };
        }
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw this.openError();
      throw err;
    }
    if ("error" in outcome) throw outcome.error;
    return outcome.value;
  }

  /** The error an open circuit fails with, naming the upstream, the cause and the next probe. */
  openError(now = Date.now()): ConnectError {
    const wait = Math.max(0, this.#openedAt + this.#halfOpenAfterMs - now);
    const message =
      `${this.target} is failing: circuit open after ${this.#threshold} consecutive failures ` +
      `(last: ${this.#lastFailure}); next attempt in ${Math.ceil(wait / 100) / 10} s`;
    return new ConnectError(
      message,
      Code.Unavailable,
      undefined,
      undefined,
      new CircuitOpenError(message),
    );
  }
}

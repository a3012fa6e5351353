import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type {
  MessagingEvent,
  StreamPositionSchema,
  Subscribed,
} from "@parley/gen/parley/messaging/v1/events_pb.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { StreamPositions, type SubscribedOutcome } from "./stream-positions.js";
import { realTimers, type Timers } from "./timers.js";

/**
 * `connecting`: no stream has been established yet. `live`: events flow. `reconnecting`: the
 * stream was lost (network, server, dead stream) and is being re-established; the UI says so.
 * `stopped`: signed out.
 */
export type LiveStatus = "connecting" | "live" | "reconnecting" | "stopped";

export interface LiveConnectionDeps {
  /** Opens Subscribe with the given positions (MessagingService.subscribe in the app). */
  open(
    positions: MessageInitShape<typeof StreamPositionSchema>[],
    signal: AbortSignal,
  ): AsyncIterable<MessagingEvent>;
  /** The signed-in person (to notice the end of their own membership). */
  readonly selfUserId: string;
  /** Every event to apply, in order: `subscribed`, then durable events without repeats, then ephemeral ones. */
  onEvent(event: MessagingEvent): void;
  /** After each `subscribed`: how every channel came back. */
  onSubscribed?(subscribed: Subscribed, outcome: SubscribedOutcome): void;
  /** A channel's local state is no longer complete: reload it (history, channel). */
  onReset(channelId: string): void;
  onStatus(status: LiveStatus): void;
  /**
   * The stream was refused with `unauthenticated` (its token expired or was revoked): get a new
   * token. Resolves false when the session is over (then the connection stops).
   */
  renewSession(): Promise<boolean>;
  /** navigator.onLine in the app. */
  isOnline(): boolean;
  readonly timers?: Timers;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly backoff?: BackoffPolicy;
  /** Give up on a stream that has not said `subscribed` within this long. */
  readonly connectTimeoutMs?: number;
  /** Reconnect (with a fresh token) this long before the stream's token expires. */
  readonly renewBeforeExpiryMs?: number;
}

type AbortReason = "stop" | "offline" | "dead" | "renew";

/**
 * Keeps one Subscribe stream open for as long as the person is signed in: reconnects with
 * backoff and jitter after any loss, resumes with the per-channel positions so nothing is missed
 * or applied twice, notices a dead stream (no heartbeat for about two intervals), follows the
 * browser's offline/online events, and renews the stream before its token expires.
 */
export class LiveConnection {
  readonly positions = new StreamPositions();
  readonly #deps: LiveConnectionDeps;
  readonly #timers: Timers;
  #status: LiveStatus = "connecting";
  #running = false;
  #everLive = false;
  #abort: AbortController | undefined;
  #abortReason: AbortReason | undefined;
  #watchdog: unknown;
  #renewTimer: unknown;
  #wake: (() => void) | undefined;
  #heartbeatMs = 20_000;

  constructor(deps: LiveConnectionDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? realTimers;
  }

  get status(): LiveStatus {
    return this.#status;
  }

  /** Starts the loop; resolves when it stops. */
  start(): Promise<void> {
    if (this.#running) throw new Error("already started");
    this.#running = true;
    return this.#run();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#interrupt("stop");
    this.#setStatus("stopped");
  }

  /** The browser lost the network: drop the stream now rather than wait for it to time out. */
  goOffline(): void {
    if (!this.#running) return;
    this.#interrupt("offline");
    if (this.#everLive) this.#setStatus("reconnecting");
  }

  /** The browser is back online: retry at once instead of waiting out the backoff. */
  goOnline(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    let attempt = 0;
    let refusals = 0;
    while (this.#running) {
      if (!this.#deps.isOnline()) {
        this.#setStatus(this.#everLive ? "reconnecting" : "connecting");
        await this.#sleep(undefined);
        continue;
      }
      const abort = new AbortController();
      this.#abort = abort;
      this.#abortReason = undefined;
      let failure: unknown;
      try {
        this.#arm(this.#deps.connectTimeoutMs ?? 15_000);
        const events = this.#deps.open(this.positions.toRequest(), abort.signal);
        for await (const event of events) {
          if (!this.#running) break;
          this.#arm(this.#heartbeatMs * 2.5);
          if (event.payload.case === "subscribed") {
            attempt = 0;
            refusals = 0;
            this.#onSubscribed(event, event.payload.value);
          } else {
            this.#onEvent(event);
          }
        }
      } catch (err) {
        failure = err;
      } finally {
        this.#disarm();
        this.#abort = undefined;
      }
      if (!this.#running) break;
      const reason = this.#abortReason;
      if (reason === "renew") continue; // planned: straight back, status unchanged
      if (failure !== undefined && reason === undefined) {
        const code = ConnectError.from(failure).code;
        if (code === Code.Unauthenticated) {
          refusals++;
          let renewed = false;
          try {
            renewed = await this.#deps.renewSession();
          } catch {
            renewed = true; // the network failed the refresh: try again after the backoff
          }
          if (!renewed) {
            this.stop();
            break;
          }
          if (refusals === 1) continue; // a new token: straight back
        } else if (code === Code.InvalidArgument) {
          // Our positions were refused: start over without them, reloading what we had.
          for (const id of this.positions.channelIds()) this.#deps.onReset(id);
          this.positions.clear();
        }
      }
      this.#setStatus(this.#everLive ? "reconnecting" : "connecting");
      if (reason === "offline" || !this.#deps.isOnline()) continue; // waits for `online` above
      await this.#sleep(
        backoffDelay(attempt++, this.#deps.backoff ?? DEFAULT_BACKOFF, this.#deps.random),
      );
    }
  }

  #onSubscribed(event: MessagingEvent, subscribed: Subscribed): void {
    this.#heartbeatMs = durationMs(subscribed.heartbeatInterval) ?? this.#heartbeatMs;
    this.#arm(this.#heartbeatMs * 2.5);
    const outcome = this.positions.onSubscribed(subscribed);
    this.#everLive = true;
    this.#setStatus("live");
    this.#scheduleRenewal(subscribed);
    this.#deps.onEvent(event);
    this.#deps.onSubscribed?.(subscribed, outcome);
    for (const id of outcome.reset) this.#deps.onReset(id);
  }

  #onEvent(event: MessagingEvent): void {
    if (event.payload.case === "heartbeat") return;
    const verdict = this.positions.accept(event, this.#deps.selfUserId);
    if (verdict === "duplicate") return;
    if (verdict === "reset") {
      this.#deps.onReset(event.channelId);
      return;
    }
    this.#deps.onEvent(event);
  }

  #scheduleRenewal(subscribed: Subscribed): void {
    if (this.#renewTimer !== undefined) this.#timers.clearTimeout(this.#renewTimer);
    this.#renewTimer = undefined;
    if (!subscribed.expiresAt) return;
    const now = this.#deps.now?.() ?? Date.now();
    const at = timestampMs(subscribed.expiresAt) - (this.#deps.renewBeforeExpiryMs ?? 30_000);
    if (at <= now) return; // too late to renew ahead: the `unauthenticated` end handles it
    this.#renewTimer = this.#timers.setTimeout(() => {
      this.#renewTimer = undefined;
      this.#interrupt("renew");
    }, at - now);
  }

  /** (Re)starts the dead-stream timer. */
  #arm(ms: number): void {
    if (this.#watchdog !== undefined) this.#timers.clearTimeout(this.#watchdog);
    this.#watchdog = this.#timers.setTimeout(() => {
      this.#watchdog = undefined;
      this.#interrupt("dead");
    }, ms);
  }

  #disarm(): void {
    if (this.#watchdog !== undefined) this.#timers.clearTimeout(this.#watchdog);
    if (this.#renewTimer !== undefined) this.#timers.clearTimeout(this.#renewTimer);
    this.#watchdog = undefined;
    this.#renewTimer = undefined;
  }

  #interrupt(reason: AbortReason): void {
    if (this.#abort && !this.#abort.signal.aborted) {
      this.#abortReason = reason;
      this.#abort.abort();
    }
    if (reason === "stop") this.#wake?.();
  }

  /** Waits `ms` (forever when undefined) or until woken by `online` or `stop`. */
  #sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: unknown;
      const done = () => {
        if (timer !== undefined) this.#timers.clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      if (ms !== undefined) timer = this.#timers.setTimeout(done, ms);
    });
  }

  #setStatus(status: LiveStatus): void {
    if (this.#status === status) return;
    if (this.#status === "stopped") return;
    this.#status = status;
    this.#deps.onStatus(status);
  }
}

function durationMs(duration: Duration | undefined): number | undefined {
  if (!duration) return undefined;
  const ms = Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6);
  return ms > 0 ? ms : undefined;
}

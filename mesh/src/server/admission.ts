import type { DescMethod } from "@bufbuild/protobuf";
import type { ConnectError, Interceptor } from "@connectrpc/connect";
import type { Logger } from "../telemetry/logger.js";
import { connectCodeName, rpcSpanName } from "../telemetry/rpc-attributes.js";

/**
 * A service's say on whether it takes a call right now, asked before anything else of the mesh
 * runs (tracing, logging, authentication, validation, the handler): undefined takes the call, a
 * `ConnectError` refuses it as it is. Plain gRPC unary calls (serve()'s fast path, what the mesh
 * and its clients speak) are asked before their body is even read; Connect and gRPC-Web calls are
 * asked first in the interceptor chain, once connect has read the request. For load shedding: it must be cheap, synchronous and
 * the same for every caller (a counter, a flag), because it answers before knowing who calls.
 *
 * Why so early: an overloaded server that refuses a call after the whole interceptor chain spends
 * about half of a call's cost on every refusal, and sheds less the more it is asked to.
 */
export type Admission = (method: DescMethod) => ConnectError | undefined;

/** How often refused calls are summed up in the log (they are not logged one by one). */
const REPORT_EVERY_MS = 10_000;

/**
 * {@link Admission} as serve() applies it. Refused calls get no log line or span of their own:
 * the first refusal after a quiet period is logged at once, the next ones are counted per method
 * and reported every 10 s while they go on.
 */
export class AdmissionControl {
  readonly #admit: Admission;
  readonly #logger: Logger;
  /** Refusals per procedure not reported yet. */
  readonly #refused = new Map<string, number>();
  /** Set while refusals are being batched (the first one of a quiet period is told at once). */
  #batching: NodeJS.Timeout | undefined;

  constructor(admit: Admission, logger: Logger) {
    this.#admit = admit;
    this.#logger = logger;
  }

  /** undefined: take the call; otherwise the error to answer with. */
  check(method: DescMethod): ConnectError | undefined {
    const refusal = this.#admit(method);
    if (refusal) this.#count(method, refusal);
    return refusal;
  }

  /** The check for calls that do not take serve()'s gRPC fast path: first in the chain. */
  interceptor(): Interceptor {
    return (next) => (req) => {
      const refusal = this.check(req.method);
      if (refusal) throw refusal;
      return next(req);
    };
  }

  /** Stops the pending report (serve() closing). */
  close(): void {
    clearTimeout(this.#batching);
    this.#batching = undefined;
    this.#report();
  }

  #count(method: DescMethod, refusal: ConnectError): void {
    const rpc = rpcSpanName(method.parent, method);
    this.#refused.set(rpc, (this.#refused.get(rpc) ?? 0) + 1);
    if (this.#batching) return;
    this.#logger.warn(
      { rpc, code: connectCodeName(refusal.code) },
      `refusing calls at admission: ${refusal.rawMessage}`,
    );
    this.#refused.clear();
    this.#startBatch();
  }

  #startBatch(): void {
    this.#batching = setTimeout(() => {
      this.#batching = undefined;
      if (this.#report()) this.#startBatch();
    }, REPORT_EVERY_MS);
    this.#batching.unref();
  }

  /** Logs what was refused since the last report; false when nothing was. */
  #report(): boolean {
    if (this.#refused.size === 0) return false;
    for (const [rpc, refused] of this.#refused) {
      this.#logger.warn(
        { rpc, refused, periodMs: REPORT_EVERY_MS },
        "calls refused at admission (overloaded)",
      );
    }
    this.#refused.clear();
    return true;
  }
}

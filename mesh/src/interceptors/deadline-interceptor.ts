import { AsyncLocalStorage } from "node:async_hooks";
import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { wrapStream } from "./wrap-stream.js";

/**
 * The caller's deadline of the request being handled, as epoch milliseconds (undefined when the
 * caller set none). serve() records it from `grpc-timeout` (gRPC, gRPC-Web) or
 * `connect-timeout-ms` (Connect) when the request arrives.
 */
export const kDeadline = createContextKey<number | undefined>(undefined, {
  description: "caller's deadline (epoch ms)",
});

const ambient = new AsyncLocalStorage<number | undefined>();

/**
 * The deadline of the request this code runs for, if any: set while a handler runs (and for the
 * work it starts), so an outgoing call made by connectTo() inside a handler gets no more time
 * than the caller has left.
 */
export function currentDeadline(): number | undefined {
  return ambient.getStore();
}

/**
 * Runs `fn` with `deadline` as the ambient deadline (undefined: none). Handlers get this from
 * serve(); tools and tests use it to call with a budget, and background work that must outlive
 * its request runs under `withDeadline(undefined, ...)` to drop the request's deadline.
 */
export function withDeadline<R>(deadline: number | undefined, fn: () => R): R {
  return ambient.run(deadline, fn);
}

/**
 * Server side of deadline propagation: reads the caller's timeout from the request headers,
 * exposes the deadline as {@link kDeadline}, and runs the handler (and, for server streams, every
 * step of the response stream) with it as the ambient deadline that connectTo() honours.
 */
export function deadlineInterceptor(now: () => number = Date.now): Interceptor {
  return (next) => async (req) => {
    const timeoutMs = timeoutFromHeaders(req.header);
    const deadline = timeoutMs === undefined ? undefined : now() + timeoutMs;
    req.contextValues.set(kDeadline, deadline);
    const res = await withDeadline(deadline, () => next(req));
    if (!res.stream) return res;
    return {
      ...res,
      message: wrapStream(res.message, { within: (fn) => withDeadline(deadline, fn) }),
    };
  };
}

const GRPC_UNITS_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * The timeout a request carries, in milliseconds: `grpc-timeout` (`<1-8 digits><H|M|S|m|u|n>`)
 * or `connect-timeout-ms` (`<1-10 digits>`); undefined when absent or malformed.
 */
export function timeoutFromHeaders(header: Headers): number | undefined {
  const grpc = header.get("grpc-timeout");
  if (grpc !== null) {
    const match = /^(\d{1,8})([HMSmun])$/.exec(grpc.trim());
    const unit = match?.[2] ? GRPC_UNITS_MS[match[2]] : undefined;
    return match?.[1] && unit !== undefined ? Number(match[1]) * unit : undefined;
  }
  const connect = header.get("connect-timeout-ms");
  if (connect !== null && /^\d{1,10}$/.test(connect.trim())) return Number(connect.trim());
  return undefined;
}

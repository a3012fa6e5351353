import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain-error.js";
import { wrapStream } from "./wrap-stream.js";

/**
 * The one place where errors become wire errors: a `DomainError` keeps its code, message and
 * metadata; a `ConnectError` passes through; anything else becomes `internal` with a generic
 * message (the original stays as `cause` for the logs, never on the wire) — unless the caller
 * went away first: an error raised because the client cancelled or closed its stream is
 * `canceled`, not a server fault.
 */
export function errorInterceptor(): Interceptor {
  return (next) => async (req) => {
    const map = (err: unknown) => toConnectError(err, req.signal);
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: wrapStream(res.message, { mapError: map }) };
    } catch (err) {
      throw map(err);
    }
  };
}

/**
 * Converts any thrown value into the ConnectError the caller should see. `signal` is the call's:
 * once it has aborted (client gone, deadline passed), a stray error is a consequence of that.
 */
export function toConnectError(err: unknown, signal?: AbortSignal): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof DomainError) {
    return new ConnectError(err.message, err.code, err.details.metadata, undefined, err);
  }
  if (signal?.aborted && signal.reason instanceof ConnectError) {
    return new ConnectError(
      signal.reason.rawMessage,
      signal.reason.code,
      undefined,
      undefined,
      err,
    );
  }
  if (signal?.aborted || isCancellation(err)) {
    return new ConnectError("the request was cancelled", Code.Canceled, undefined, undefined, err);
  }
  return new ConnectError(
    "internal error; it has been logged",
    Code.Internal,
    undefined,
    undefined,
    err,
  );
}

/** An abort, or the peer closing the stream before the request was read (`ERR_STREAM_PREMATURE_CLOSE`). */
function isCancellation(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === "AbortError" || (err as { code?: unknown }).code === "ERR_STREAM_PREMATURE_CLOSE"
  );
}

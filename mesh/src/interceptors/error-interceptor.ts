import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain-error.js";
import { wrapStream } from "./wrap-stream.js";

/**
 * The one place where errors become wire errors: a `DomainError` keeps its code, message and
 * metadata; a `ConnectError` passes through; anything else becomes `internal` with a generic
 * message (the original stays as `cause` for the logs, never on the wire).
 */
export function errorInterceptor(): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: wrapStream(res.message, { mapError: toConnectError }) };
    } catch (err) {
      throw toConnectError(err);
    }
  };
}

/** Converts any thrown value into the ConnectError the caller should see. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof DomainError) {
    return new ConnectError(err.message, err.code, err.details.metadata, undefined, err);
  }
  if (err instanceof Error && err.name === "AbortError") {
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

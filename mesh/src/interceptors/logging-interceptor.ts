import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { kPeerService, kUser } from "../context.js";
import type { Logger } from "../telemetry/logger.js";
import { wrapStream } from "./wrap-stream.js";

/**
 * One log line per RPC (per stream, when it ends): method, outcome code, duration, user and
 * calling service. Server-side failures (`internal`, `unknown`, `data_loss`) are logged as errors
 * with their cause; the cause never reaches the caller. Never logs request bodies.
 */
export function loggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const log = (err: unknown) => {
      const code = err === undefined ? "ok" : codeName(err);
      const fields = {
        rpc: `${req.service.typeName}/${req.method.name}`,
        code,
        ms: Math.round((performance.now() - started) * 10) / 10,
        user: req.contextValues.get(kUser)?.id,
        peer: req.contextValues.get(kPeerService)?.name,
      };
      if (err instanceof ConnectError && isServerFault(err.code)) {
        logger.error({ ...fields, err: err.cause ?? err }, "rpc failed");
      } else {
        logger.info(fields, "rpc");
      }
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        log(undefined);
        return res;
      }
      return { ...res, message: wrapStream(res.message, { onEnd: log }) };
    } catch (err) {
      log(err);
      throw err;
    }
  };
}

function codeName(err: unknown): string {
  const code = err instanceof ConnectError ? err.code : Code.Unknown;
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`)).toLowerCase();
}

function isServerFault(code: Code): boolean {
  return code === Code.Internal || code === Code.Unknown || code === Code.DataLoss;
}

import type { Interceptor } from "@connectrpc/connect";
import { trace } from "@opentelemetry/api";
import { kPeerService, kUser } from "../context.js";
import { Health } from "../health/health-service.js";
import type { Logger } from "../telemetry/logger.js";
import { connectCodeName, isServerFault, rpcCodeOf } from "../telemetry/rpc-attributes.js";
import { traceIdFromTraceparent } from "../telemetry/traceparent.js";
import { wrapStream } from "./wrap-stream.js";

const HEALTH_SERVICE = Health.typeName;

/**
 * One log line per RPC (per stream, when it ends): method, outcome code, duration, user and
 * calling service. Server-side failures (`internal`, `unknown`, `data_loss`) are logged as errors
 * with their cause; the cause never reaches the caller. Never logs request bodies.
 *
 * Inside a traced request the logger adds `trace_id`/`span_id` of the server span; when this
 * process does not trace (no OTLP endpoint) the line still carries the caller's `trace_id`, read
 * from its `traceparent` header, so the line can be found from the caller's trace.
 * Successful `grpc.health.v1` probes are logged at debug level: orchestrators probe every few
 * seconds, and those lines would bury the requests people make.
 */
export function loggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const log = (err: unknown) => {
      const code = rpcCodeOf(err);
      const fields: Record<string, unknown> = {
        rpc: `${req.service.typeName}/${req.method.name}`,
        code: connectCodeName(code),
        ms: Math.round((performance.now() - started) * 10) / 10,
        user: req.contextValues.get(kUser)?.id,
        peer: req.contextValues.get(kPeerService)?.name,
      };
      if (!trace.getActiveSpan()) {
        const callerTrace = traceIdFromTraceparent(req.header.get("traceparent"));
        if (callerTrace) fields.trace_id = callerTrace;
      }
      if (isServerFault(code)) {
        const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
        logger.error({ ...fields, err: cause }, "rpc failed");
      } else if (code === undefined && req.service.typeName === HEALTH_SERVICE) {
        logger.debug(fields, "rpc");
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

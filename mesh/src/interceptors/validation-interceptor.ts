import type { DescMessage } from "@bufbuild/protobuf";
import { createValidator, type Validator, violationsToProto } from "@bufbuild/protovalidate";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { asInvalidArgument, isDecodeFailure } from "../server/protocol-errors.js";

/**
 * Enforces the protovalidate rules written in the contracts before a handler runs, so every
 * language that shares the protos shares the same validation. Bad input gets `invalid_argument`
 * with a readable message and the `buf.validate.Violations` detail listing each field.
 */
export function validationInterceptor(validator: Validator = createValidator()): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      check(validator, req.method.input, req.message);
      return next(req);
    }
    return next({
      ...req,
      message: validated(validator, req.method.input, req.message),
    });
  };
}

/**
 * Validates each message of a request stream as the handler reads it. Stream messages are
 * decoded here too, so an undecodable one becomes `invalid_argument` (see protocol-errors.ts).
 */
async function* validated<T extends object>(
  validator: Validator,
  schema: DescMessage,
  messages: AsyncIterable<T>,
): AsyncGenerator<T> {
  try {
    for await (const message of messages) {
      check(validator, schema, message);
      yield message;
    }
  } catch (err) {
    throw isDecodeFailure(err) ? asInvalidArgument(err) : err;
  }
}

function check(validator: Validator, schema: DescMessage, message: unknown): void {
  // biome-ignore lint/suspicious/noExplicitAny: the schema and message come from the same method.
  const result = validator.validate(schema, message as any);
  if (result.kind === "valid") return;
  if (result.kind === "error") {
    throw new ConnectError(
      "request rules could not be evaluated",
      Code.Internal,
      undefined,
      [],
      result.error,
    );
  }
  // Only the first violations: a request can break thousands of rules (2,000 list items, each
  // wrong), and over gRPC the detail travels in a trailer, where a few hundred of them overflow
  // HTTP/2's header limits and the caller gets `internal` (NGHTTP2_FRAME_SIZE_ERROR) instead.
  const reported = result.violations.slice(0, MAX_REPORTED_VIOLATIONS);
  const more = result.violations.length - reported.length;
  const lines = reported.map((v) => v.toString());
  if (more > 0) lines.push(`and ${more} more`);
  const [violations, schemaOfViolations] = violationsToProto(reported);
  throw new ConnectError(`invalid request: ${lines.join("; ")}`, Code.InvalidArgument, undefined, [
    { desc: schemaOfViolations, value: violations },
  ]);
}

/**
 * Most violations one error reports: enough to fix a form at once, small enough (a few KB) for
 * the gRPC trailer that carries them, within grpc-js's 8 KiB default for received metadata.
 */
const MAX_REPORTED_VIOLATIONS = 20;

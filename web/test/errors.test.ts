import { create } from "@bufbuild/protobuf";
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import test from "ava";
import { describeError, isRetryable, onField, retryAfterMs, sentence } from "../src/lib/errors.js";

function invalid(...violations: [field: string, ruleId: string, message: string][]) {
  const detail = create(ViolationsSchema, {
    violations: violations.map(([field, ruleId, message]) => ({
      field: { elements: [{ fieldName: field }] },
      ruleId,
      message,
    })),
  });
  return new ConnectError("invalid request", Code.InvalidArgument, undefined, [
    { desc: ViolationsSchema, value: detail },
  ]);
}

test("field violations become one readable text per field", (t) => {
  const err = invalid(
    ["password", "string.min_len", "value length must be at least 8 characters"],
    ["email", "string.email", "value must be a valid email address"],
    ["username", "string.pattern", "value does not match regex pattern `^[A-Za-z0-9]...`"],
    ["username", "string.min_len", "value length must be at least 3 characters"],
  );
  const described = describeError(err, { "username:string.pattern": "Use letters and digits." });
  t.is(described.message, "Please correct the highlighted fields.");
  t.deepEqual(described.fields, {
    password: "Must be at least 8 characters.",
    email: "Must be a valid email address.",
    username: "Use letters and digits.",
  });
  t.is(
    describeError(invalid(["name", "string.pattern", "value does not match regex"])).fields.name,
    "This contains characters that are not allowed here.",
    "never a regular expression on screen",
  );
});

test("server messages are shown as sentences; transport failures as a connection problem", (t) => {
  t.is(
    describeError(new ConnectError("wrong username/email or password", Code.Unauthenticated))
      .message,
    "Wrong username/email or password.",
  );
  t.is(
    describeError(new ConnectError("Failed to fetch", Code.Unknown)).message,
    "Can't reach Parley right now. Check your connection and try again.",
  );
  t.is(
    describeError(new ConnectError("sqlite: disk I/O error", Code.Internal)).message,
    "Something went wrong on our side. Please try again.",
  );
  t.is(describeError(new TypeError("boom")).code, Code.Unknown);
  t.is(sentence("done!"), "Done!");
});

test("retry decisions and retry-after", (t) => {
  t.true(isRetryable(new ConnectError("x", Code.Unavailable)));
  t.true(isRetryable(new ConnectError("x", Code.ResourceExhausted)));
  t.false(isRetryable(new ConnectError("x", Code.InvalidArgument)));
  t.false(isRetryable(new ConnectError("x", Code.PermissionDenied)));
  const limited = new ConnectError("too many messages", Code.ResourceExhausted, {
    "retry-after": "3",
  });
  t.is(retryAfterMs(limited), 3000);
  t.is(retryAfterMs(new ConnectError("x", Code.Unavailable)), undefined);
});

test("onField moves an error next to one field and empties the form-wide message", (t) => {
  const taken = describeError(new ConnectError("username already taken", Code.AlreadyExists));
  t.deepEqual(onField(taken, "username"), {
    code: Code.AlreadyExists,
    message: "",
    fields: { username: "Username already taken." },
  });
  t.deepEqual(onField(taken, "name", "Pick another name.").fields, {
    name: "Pick another name.",
  });
});

import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";

/** An error as a person reads it: one sentence, plus one per form field that broke a rule. */
export interface ErrorDescription {
  readonly code: Code;
  readonly message: string;
  /** Field path (e.g. `password`, `display_name`) → what is wrong with it. */
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Wording for rules whose generic text means nothing to people (regular expressions), keyed by
 * `<field>` or `<field>:<rule id>` (e.g. `username:string.pattern`).
 */
export type FieldHints = Readonly<Record<string, string>>;

/**
 * Turns any failure of an RPC into words. Field violations (the `buf.validate.Violations` detail
 * the server attaches to `invalid_argument`) become per-field texts for the form to show next to
 * each field. The services' own messages are written for people and never leak internals (see
 * services/*\/src/errors.ts), so they are shown as they are, capitalized; transport failures
 * become a sentence about the connection.
 */
export function describeError(err: unknown, hints: FieldHints = {}): ErrorDescription {
  const error = ConnectError.from(err);
  const fields: Record<string, string> = {};
  if (error.code === Code.InvalidArgument) {
    for (const detail of error.findDetails(ViolationsSchema)) {
      for (const violation of detail.violations) {
        const path = (violation.field?.elements ?? []).map((e) => e.fieldName).join(".");
        if (!path || fields[path]) continue;
        fields[path] = violationText(path, violation.ruleId, violation.message, hints);
      }
    }
    if (Object.keys(fields).length > 0) {
      return { code: error.code, message: "Please correct the highlighted fields.", fields };
    }
  }
  return { code: error.code, message: messageFor(error), fields };
}

/**
 * Puts an error next to one form field instead of above the form: the text (the error's own
 * sentence unless given) becomes the field's, and the form-wide message is emptied so it is not
 * shown twice. For refusals that name a field in words, such as "already exists".
 */
export function onField(
  error: ErrorDescription,
  field: string,
  text: string = error.message,
): ErrorDescription {
  return { ...error, message: "", fields: { [field]: text } };
}

function messageFor(error: ConnectError): string {
  switch (error.code) {
    case Code.Unknown:
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.Aborted:
      return "Can't reach Parley right now. Check your connection and try again.";
    case Code.Canceled:
      return "The request was cancelled.";
    case Code.Internal:
    case Code.DataLoss:
    case Code.Unimplemented:
      return "Something went wrong on our side. Please try again.";
    case Code.PermissionDenied:
      return error.rawMessage ? sentence(error.rawMessage) : "You are not allowed to do that.";
    default:
      return error.rawMessage ? sentence(error.rawMessage) : "That did not work. Please try again.";
  }
}

function violationText(path: string, ruleId: string, message: string, hints: FieldHints): string {
  const hint = hints[`${path}:${ruleId}`] ?? hints[path];
  if (hint) return hint;
  if (ruleId === "required") return "This field is required.";
  if (ruleId.endsWith(".pattern")) return "This contains characters that are not allowed here.";
  // protovalidate's wording: "value length must be at least 8 characters".
  return sentence(message.replace(/^value (length )?/, ""));
}

/** Capitalizes and ends with a full stop: "too many messages" → "Too many messages." */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * Whether a failed call is worth repeating unchanged: the network or the server was briefly
 * unable, or a rate limit said to wait. Everything else would fail the same way again.
 */
export function isRetryable(err: unknown): boolean {
  switch (ConnectError.from(err).code) {
    case Code.Unknown:
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.Aborted:
    case Code.Internal:
    case Code.ResourceExhausted:
      return true;
    default:
      return false;
  }
}

/** The server's `retry-after` hint in ms, when a rate limit sent one. */
export function retryAfterMs(err: unknown): number | undefined {
  const value = ConnectError.from(err).metadata.get("retry-after");
  const seconds = value === null ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

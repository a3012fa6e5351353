import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import type { ConnectError, Interceptor } from "@connectrpc/connect";
import type { LoggingMailer } from "@parley/auth";
import { Argon2PasswordHasher } from "../../services/auth/src/adapters/argon2-password-hasher.js";

// FakeClock starts at the wall clock's current second (the shared default), so that verifiers
// reading the real time (the mesh's token verifier) agree with auth about which tokens are live.
export { FakeClock } from "./fakes.js";
export { rejection } from "./outcomes.js";

/** argon2id with tiny costs: tests only, injected explicitly (production keeps OWASP's). */
export function cheapHasher(): Argon2PasswordHasher {
  return new Argon2PasswordHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 });
}

/** Per-call options carrying `Authorization: Bearer <token>`. */
export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** A client interceptor that signs every call in with whatever token `current()` returns. */
export function bearerInterceptor(current: () => string | undefined): Interceptor {
  return (next) => (req) => {
    const token = current();
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/**
 * The field paths (e.g. `username`) named by the `buf.validate.Violations` details of an error,
 * sorted, each once (a field can break several rules).
 */
export function violatedFields(err: ConnectError): string[] {
  const paths = err
    .findDetails(ViolationsSchema)
    .flatMap((detail) => detail.violations)
    .map((v) => (v.field?.elements ?? []).map((e) => e.fieldName).join("."));
  return [...new Set(paths)].sort();
}

/** How many field violations (rule breaks) the error's details list. */
export function violationCount(err: ConnectError): number {
  return err.findDetails(ViolationsSchema).flatMap((detail) => detail.violations).length;
}

/** The JOSE header of a compact JWT (no verification). */
export function jwtHeader(token: string): { kid?: string; alg?: string } {
  const [header] = token.split(".");
  return JSON.parse(Buffer.from(header ?? "", "base64url").toString("utf8"));
}

/** The reset token of the latest mail auth sent to `email` (read from the reset link). */
export function resetTokenSentTo(mailer: LoggingMailer, email: string): string | undefined {
  const mail = mailer
    .sent()
    .filter((m) => m.to === email)
    .at(-1);
  const link = mail?.text.match(/https?:\/\/\S+/)?.[0];
  return link ? (new URL(link).searchParams.get("token") ?? undefined) : undefined;
}

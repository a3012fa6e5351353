import { Code, ConnectError } from "@connectrpc/connect";
import test from "ava";
import { DomainError } from "../src/domain-error.js";
import { toConnectError } from "../src/interceptors/error-interceptor.js";

const prematureClose = () =>
  Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });

test("an unexpected error is internal with a generic message, the original kept as cause", (t) => {
  const original = new Error("SQLITE_CORRUPT: database disk image is malformed");
  const err = toConnectError(original, new AbortController().signal);
  t.is(err.code, Code.Internal);
  t.false(err.message.includes("SQLITE"));
  t.is(err.cause, original);
});

test("a stream the client closed early is canceled, not a server fault", (t) => {
  t.is(toConnectError(prematureClose()).code, Code.Canceled);
});

test("once the call's signal has aborted, a stray error takes the abort's code", (t) => {
  const gone = new AbortController();
  gone.abort();
  t.is(toConnectError(new Error("write after end"), gone.signal).code, Code.Canceled);
  const late = new AbortController();
  late.abort(new ConnectError("the deadline passed", Code.DeadlineExceeded));
  const err = toConnectError(new Error("write after end"), late.signal);
  t.is(err.code, Code.DeadlineExceeded);
  t.is(err.rawMessage, "the deadline passed");
});

test("domain and Connect errors keep their code whatever the signal says", (t) => {
  const gone = new AbortController();
  gone.abort();
  const notFound = new ConnectError("no such channel", Code.NotFound);
  t.is(toConnectError(notFound, gone.signal), notFound);
  const domain = new DomainError(Code.PermissionDenied, "not a member");
  t.is(toConnectError(domain, gone.signal).code, Code.PermissionDenied);
});

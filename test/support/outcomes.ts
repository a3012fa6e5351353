import { ConnectError } from "@connectrpc/connect";

/**
 * Awaits a call that must fail (a promise, or a function starting it) and returns its
 * ConnectError; throws, failing the test, if the call succeeded.
 */
export async function rejection(
  call: Promise<unknown> | (() => Promise<unknown>),
): Promise<ConnectError> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail, but it succeeded");
}

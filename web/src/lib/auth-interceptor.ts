import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import type { SessionManager } from "./session-manager.js";

/** AuthService methods anyone may call: they never wait for (or trigger) a token refresh. */
const PUBLIC_METHODS = new Set<DescMethod>([
  AuthService.method.register,
  AuthService.method.login,
  AuthService.method.refresh,
  AuthService.method.requestPasswordReset,
  AuthService.method.resetPassword,
  AuthService.method.getJwks,
]);

/**
 * Adds `Authorization: Bearer <access token>` to every call that needs one, refreshing the token
 * first when it is about to expire. A unary call the server still refuses with `unauthenticated`
 * (a token revoked or rejected early) is retried once after a refresh. Streams are not retried
 * here: their errors arrive while reading, and the live connection reconnects on its own.
 * Logout is public but carries the token when there is one, so auth can revoke it at once.
 */
export function createAuthInterceptor(session: SessionManager): Interceptor {
  return (next) => async (req) => {
    if (req.method === AuthService.method.logout) {
      const state = session.state;
      if (state.status === "signed-in") {
        req.header.set("authorization", `Bearer ${state.session.accessToken}`);
      }
      return next(req);
    }
    if (PUBLIC_METHODS.has(req.method)) return next(req);
    const token = await session.accessToken();
    req.header.set("authorization", `Bearer ${token}`);
    if (req.stream) return next(req);
    try {
      return await next(req);
    } catch (err) {
      if (ConnectError.from(err).code !== Code.Unauthenticated) throw err;
      const fresh = await session.refresh(token);
      req.header.set("authorization", `Bearer ${fresh}`);
      return await next(req);
    }
  };
}

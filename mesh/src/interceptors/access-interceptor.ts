import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { InvalidTokenError, type TokenVerifier } from "../auth/token-verifier.js";
import { type AuthenticatedUser, kPeerService, kUser } from "../context.js";
import { accessOf, grantFor, type Policy } from "../policy/policy.js";

export interface AccessOptions {
  readonly policy: Policy;
  readonly tokens: TokenVerifier;
}

/**
 * Authentication and authorization for every RPC, from the policy file:
 * 1. the RPC must be listed (unlisted RPCs are refused);
 * 2. a calling mesh service (mTLS identity) must be allowed to call it;
 * 3. a bearer access token, when present, is verified locally and exposed as `kUser`;
 * 4. `user` and `admin` RPCs need such a user, unless the calling service names the RPC itself.
 */
export function accessInterceptor({ policy, tokens }: AccessOptions): Interceptor {
  return (next) => async (req) => {
    const service = req.service.typeName;
    const method = req.method.name;
    const rpc = `${service}/${method}`;
    const access = accessOf(policy, service, method);
    if (!access) throw new ConnectError(`${rpc} is not open to callers`, Code.PermissionDenied);

    const peer = req.contextValues.get(kPeerService);
    const grant = peer ? grantFor(policy, peer.name, service, method, access) : "forward";
    if (grant === "denied") {
      throw new ConnectError(`service "${peer?.name}" may not call ${rpc}`, Code.PermissionDenied);
    }
    if (!peer && access === "internal") {
      throw new ConnectError(`${rpc} may only be called by mesh services`, Code.PermissionDenied);
    }

    const user = await authenticate(tokens, req.header.get("authorization"), access === "public");
    if (user) req.contextValues.set(kUser, user);
    if (grant === "own" || access === "public" || access === "internal") return next(req);

    if (!user) {
      throw new ConnectError(
        "sign in first: this call needs an access token",
        Code.Unauthenticated,
      );
    }
    if (access === "admin" && user.role !== "admin") {
      throw new ConnectError(`only admins may call ${method}`, Code.PermissionDenied);
    }
    return next(req);
  };
}

/**
 * Reads `Authorization: Bearer <token>`. No header: no user. A bad token fails the call, except
 * on public RPCs (e.g. Logout with an expired session), where it is simply not used.
 */
async function authenticate(
  tokens: TokenVerifier,
  header: string | null,
  lenient: boolean,
): Promise<AuthenticatedUser | undefined> {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  try {
    if (!match?.[1]) throw new InvalidTokenError("malformed authorization header");
    return await tokens.verify(match[1]);
  } catch (err) {
    if (!(err instanceof InvalidTokenError)) throw err;
    if (lenient) return undefined;
    throw new ConnectError(
      "your session has expired or is not valid; sign in again",
      Code.Unauthenticated,
      undefined,
      undefined,
      err,
    );
  }
}

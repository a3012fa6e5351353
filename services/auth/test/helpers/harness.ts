import {
  type Client,
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Interceptor,
} from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { DomainError, kClientAddress, kUser } from "@parley/mesh";
import type { ExecutionContext } from "ava";
import { cheapHasher } from "../../../../test/support/auth-e2e.js";
import { FakeClock2030 as FakeClock, MemoryLogger } from "../../../../test/support/fakes.js";

/** The shared fake clock, starting at 2030-01-01 12:00 UTC unless told otherwise. */
export { FakeClock };

import { LoggingMailer } from "../../src/adapters/logging-mailer.js";
import { type Auth, type CreateAuthOptions, createAuth } from "../../src/auth-module.js";
import { type AuthConfig, loadAuthConfig } from "../../src/config.js";

export { cheapHasher } from "../../../../test/support/auth-e2e.js";
export { MemoryLogger, tempDir } from "../../../../test/support/fakes.js";
export { rejection } from "../../../../test/support/outcomes.js";

/** Defaults with an in-memory database; `env` goes through the real config loader. */
export function testConfig(
  overrides: Partial<AuthConfig> = {},
  env: Record<string, string> = {},
): AuthConfig {
  return {
    ...loadAuthConfig({ PARLEY_AUTH_DATA_DIR: ":memory:", ...env }),
    ...overrides,
  };
}

/** Header the fake edge reads the client address from (the mesh sets kClientAddress itself). */
export const CLIENT_ADDRESS_HEADER = "x-test-client-address";

/**
 * Stand-ins for the mesh's interceptors: DomainError → ConnectError (others → internal), and a
 * bearer token verified with auth's own verifier → `kUser`. Invalid tokens are ignored (as on the
 * mesh's public RPCs) so the handlers' own identity checks are what the tests exercise.
 */
function meshInterceptors(auth: Auth): Interceptor[] {
  const errors: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      if (err instanceof DomainError) {
        throw new ConnectError(err.message, err.code, err.details.metadata, undefined, err);
      }
      throw new ConnectError("internal error", Code.Internal, undefined, undefined, err);
    }
  };
  const identity: Interceptor = (next) => async (req) => {
    const address = req.header.get(CLIENT_ADDRESS_HEADER);
    if (address) req.contextValues.set(kClientAddress, address);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.header.get("authorization") ?? "")?.[1];
    if (bearer) {
      const info = await auth.verifyAccessToken(bearer);
      if (info) {
        req.contextValues.set(kUser, {
          id: info.userId,
          role: info.role,
          tokenId: info.tokenId,
          expiresAt: new Date(info.expiresAt),
        });
      }
    }
    return next(req);
  };
  return [errors, identity];
}

export interface Harness {
  readonly auth: Auth;
  readonly client: Client<typeof AuthService>;
  readonly clock: FakeClock;
  readonly mailer: LoggingMailer;
  readonly logger: MemoryLogger;
  readonly config: AuthConfig;
}

/** A running auth module behind an in-memory Connect transport; closed when the test ends. */
export async function startAuth(
  t: ExecutionContext,
  options: {
    config?: AuthConfig;
    clock?: FakeClock;
    extra?: Partial<CreateAuthOptions>;
  } = {},
): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const logger = new MemoryLogger();
  const mailer = new LoggingMailer(logger);
  const config = options.config ?? testConfig();
  const auth = await createAuth(config, {
    clock,
    logger,
    mailer,
    passwordHasher: cheapHasher(),
    ...options.extra,
  });
  t.teardown(() => auth.close());
  const transport = createRouterTransport((router) => router.service(AuthService, auth.service), {
    router: { interceptors: meshInterceptors(auth) },
  });
  return { auth, client: createClient(AuthService, transport), clock, mailer, logger, config };
}

/** Call options carrying an access token (and optionally a client address). */
export function as(accessToken: string | undefined, address?: string) {
  const headers: Record<string, string> = {};
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  if (address) headers[CLIENT_ADDRESS_HEADER] = address;
  return { headers };
}

/** Call options carrying only a client address. */
export function from(address: string) {
  return as(undefined, address);
}

let counter = 0;

/** Registers a fresh account and returns its session and password. */
export async function register(
  client: Client<typeof AuthService>,
  name?: string,
  options: { password?: string; email?: string; address?: string } = {},
) {
  counter++;
  const username = name ?? `user${counter}`;
  const password = options.password ?? `correct horse ${counter}`;
  const email = options.email ?? `${username}@example.com`;
  const res = await client.register(
    { username, email, password },
    options.address ? from(options.address) : {},
  );
  const session = res.session;
  if (!session?.user) throw new Error("register returned no session");
  return { session, user: session.user, password, email, username };
}

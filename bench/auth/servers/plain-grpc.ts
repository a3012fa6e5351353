/**
 * Server child: the baseline. A plain `@grpc/grpc-js` server (h2c, no interceptors, no tracing,
 * no logging, no validation, no health service) hosting `parley.auth.v1.AuthService` with only
 * GetMe implemented, from the same contract (descriptor set built from the generated protobuf-es
 * code, codecs by proto-loader/protobufjs).
 *
 * Its GetMe does the work Parley's path does for that RPC, with the auth package's public API on
 * the same SQLite database (the runner passes the data directory Parley's auth server created):
 *  1. `authorization: Bearer <jwt>` parsed with the same regular expression;
 *  2. the JWT verified with jose's `jwtVerify` (EdDSA, issuer, audience, 30 s clock tolerance),
 *     public keys from the same signing-key table (`SigningKeyRing.jwks()`), imported once and
 *     cached by `kid` as the mesh's token verifier does;
 *  3. the same required-claims check, then the denylist lookup (`deniedTokens.isDenied`, one
 *     SQLite query, as `auth.isTokenDenied` does behind the mesh's verifier);
 *  4. the user read with `users.findById` (one SQLite query, as the auth handler's `getMe`);
 *  5. the same public view of the account (id, username, display name, avatar, role,
 *     created_at) as the response.
 * Errors become `UNAUTHENTICATED` / `NOT_FOUND` statuses.
 *
 * BENCH_PLAIN_CODEC=protobuf-es (ablation only) swaps GetMe's response codec for protobuf-es
 * (`create` + `toBinary`, as Connect does) so codec cost can be told from framework cost.
 */
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import {
  AUTH_DATABASE_FILE,
  loadConfig,
  openSqliteAuthStore,
  SigningKeyRing,
  systemClock,
} from "@parley/auth";
import { GetMeResponseSchema } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { Role, UserSchema } from "@parley/gen/parley/auth/v1/user_pb.js";
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from "@parley/mesh";
import { importJWK, type JWTPayload, jwtVerify } from "jose";
import { runServerChild } from "../../lib/child-protocol.js";
import { loadAuthService } from "../descriptors.js";

const config = loadConfig();
const protobufEsCodec = process.env.BENCH_PLAIN_CODEC === "protobuf-es";

class Refused extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

runServerChild(async () => {
  const store = openSqliteAuthStore(join(config.auth.dataDir, AUTH_DATABASE_FILE));
  const ring = new SigningKeyRing({
    store: store.signingKeys,
    clock: systemClock,
    rotationIntervalMs: config.auth.keyRotationIntervalMs,
    accessTokenTtlMs: config.auth.accessTokenTtlMs,
  });

  // Imported keys by kid, refetched when a token names an unknown kid (as the mesh verifier).
  let keys = new Map<string, CryptoKey | Uint8Array>();
  const refreshKeys = async () => {
    const next = new Map<string, CryptoKey | Uint8Array>();
    for (const jwk of await ring.jwks()) {
      next.set(jwk.kid, await importJWK({ ...jwk }, ACCESS_TOKEN_ALGORITHM));
    }
    keys = next;
  };
  await refreshKeys();
  const keyFor = async (kid: string | undefined) => {
    if (!kid) throw new Refused(grpc.status.UNAUTHENTICATED, "token has no kid");
    if (!keys.has(kid)) await refreshKeys();
    const key = keys.get(kid);
    if (!key) throw new Refused(grpc.status.UNAUTHENTICATED, "unknown signing key");
    return key;
  };

  async function getMe(metadata: grpc.Metadata) {
    const header = metadata.get("authorization")[0];
    const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw new Refused(grpc.status.UNAUTHENTICATED, "sign in first");
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], (h) => keyFor(h.kid), {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        clockTolerance: 30,
      }));
    } catch (err) {
      if (err instanceof Refused) throw err;
      throw new Refused(grpc.status.UNAUTHENTICATED, "invalid token");
    }
    const { sub, jti, exp, role } = payload;
    if (!sub || !jti || !exp || (role !== "member" && role !== "admin")) {
      throw new Refused(grpc.status.UNAUTHENTICATED, "token lacks required claims");
    }
    if (await store.deniedTokens.isDenied(jti, systemClock.now())) {
      throw new Refused(grpc.status.UNAUTHENTICATED, "token was logged out");
    }
    const user = await store.users.findById(sub);
    if (!user) throw new Refused(grpc.status.NOT_FOUND, "account no longer exists");
    return user;
  }

  const service = loadAuthService();
  const getMeDef = service.GetMe!;
  const definition: grpc.ServiceDefinition = protobufEsCodec
    ? {
        GetMe: {
          ...getMeDef,
          responseSerialize: (value: unknown) =>
            Buffer.from(toBinary(GetMeResponseSchema, value as never)),
        },
      }
    : { GetMe: getMeDef };

  const server = new grpc.Server();
  server.addService(definition, {
    GetMe(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      getMe(call.metadata).then(
        (user) => {
          if (protobufEsCodec) {
            const response = create(GetMeResponseSchema, {
              user: create(UserSchema, {
                id: user.id,
                username: user.username,
                displayName: user.displayName,
                avatarFileId: user.avatarFileId,
                role: user.role === "admin" ? Role.ADMIN : Role.MEMBER,
                createdAt: timestampFromMs(user.createdAt),
              }),
            });
            callback(null, response);
            return;
          }
          callback(null, {
            user: {
              id: user.id,
              username: user.username,
              display_name: user.displayName,
              ...(user.avatarFileId && { avatar_file_id: user.avatarFileId }),
              role: user.role === "admin" ? Role.ADMIN : Role.MEMBER,
              created_at: {
                seconds: Math.floor(user.createdAt / 1000),
                nanos: (user.createdAt % 1000) * 1_000_000,
              },
            },
          });
        },
        (err: unknown) => {
          if (err instanceof Refused) callback({ code: err.code, details: err.message });
          else callback({ code: grpc.status.INTERNAL, details: "internal error" });
        },
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      store.close();
    },
  };
});

import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { loadAuthService } from "./descriptors.js";

/** Which client library drives the servers; the same one drives every server of a run. */
export type ClientKind = "grpc-js" | "connect";

export interface NewAccount {
  readonly username: string;
  readonly email: string;
  readonly password: string;
}

/** The three calls the benchmarks make, over the gRPC protocol (h2c, one HTTP/2 connection). */
export interface AuthClient {
  register(account: NewAccount): Promise<{ accessToken: string }>;
  login(login: string, password: string): Promise<{ accessToken: string }>;
  /** GetMe with `authorization: Bearer <accessToken>`; resolves to the user id it names. */
  getMe(accessToken: string): Promise<string>;
  close(): void;
}

export function createAuthClient(kind: ClientKind, port: number): AuthClient {
  return kind === "connect" ? connectClient(port) : grpcJsClient(port);
}

interface SessionObject {
  session?: { access_token?: string } | null;
}
interface GetMeObject {
  user?: { id?: string } | null;
}

/**
 * @grpc/grpc-js with proto-loader's codecs for the contract (see descriptors.ts). One channel,
 * hence one HTTP/2 connection; no deadline, no retries, no interceptors.
 */
function grpcJsClient(port: number): AuthClient {
  const service = loadAuthService();
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const unary = <Res>(method: string, request: object, metadata = new grpc.Metadata()) => {
    const def = service[method];
    if (!def) throw new Error(`no method ${method}`);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize as (b: Buffer) => Res,
        request,
        metadata,
        (err, res) => (err || res === undefined ? reject(err ?? new Error("no response")) : resolve(res)),
      );
    });
  };
  const token = (res: SessionObject) => {
    const accessToken = res.session?.access_token;
    if (!accessToken) throw new Error("response without access token");
    return { accessToken };
  };
  return {
    register: async (a) =>
      token(
        await unary<SessionObject>("Register", {
          username: a.username,
          email: a.email,
          password: a.password,
        }),
      ),
    login: async (login, password) => token(await unary<SessionObject>("Login", { login, password })),
    async getMe(accessToken) {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${accessToken}`);
      const res = await unary<GetMeObject>("GetMe", {}, metadata);
      return res.user?.id ?? "";
    },
    close: () => client.close(),
  };
}

/** connect-node's gRPC transport over HTTP/2 (the transport `connectTo` builds, minus its interceptors). */
function connectClient(port: number): AuthClient {
  const client = createClient(
    AuthService,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }),
  );
  const token = (res: { session?: { accessToken: string } }) => {
    if (!res.session?.accessToken) throw new Error("response without access token");
    return { accessToken: res.session.accessToken };
  };
  return {
    register: async (a) => token(await client.register(a)),
    login: async (login, password) => token(await client.login({ login, password })),
    async getMe(accessToken) {
      const res = await client.getMe({}, { headers: { authorization: `Bearer ${accessToken}` } });
      return res.user?.id ?? "";
    },
    // The transport's HTTP/2 session closes itself when idle; nothing to release here.
    close: () => {},
  };
}

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

/** The three calls the benchmarks make, over the gRPC protocol (h2c). */
export interface AuthClient {
  register(account: NewAccount): Promise<{ accessToken: string }>;
  login(login: string, password: string): Promise<{ accessToken: string }>;
  /** GetMe with `authorization: Bearer <accessToken>`; resolves to the user id it names. */
  getMe(accessToken: string): Promise<string>;
  close(): void;
}

/**
 * A client over `connections` HTTP/2 connections, calls spread round-robin. Several connections
 * stand for several callers and keep client and server from settling into lock-step.
 */
export function createAuthClient(kind: ClientKind, port: number, connections = 1): AuthClient {
  return kind === "connect" ? connectClient(port, connections) : grpcJsClient(port, connections);
}

interface SessionObject {
  session?: { access_token?: string } | null;
}
interface GetMeObject {
  user?: { id?: string } | null;
}

/**
 * @grpc/grpc-js with proto-loader's codecs for the contract (see descriptors.ts). One channel per
 * connection (a local subchannel pool each, or channels to one target would share one
 * connection); no deadline, no retries, no interceptors.
 */
function grpcJsClient(port: number, connections: number): AuthClient {
  const service = loadAuthService();
  const channels = Array.from(
    { length: connections },
    () =>
      new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
      }),
  );
  let next = 0;
  const unary = <Res>(method: string, request: object, metadata = new grpc.Metadata()) => {
    const def = service[method];
    if (!def) throw new Error(`no method ${method}`);
    return new Promise<Res>((resolve, reject) => {
      channels[next++ % channels.length]!.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize as (b: Buffer) => Res,
        request,
        metadata,
        (err, res) =>
          err || res === undefined ? reject(err ?? new Error("no response")) : resolve(res),
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
    login: async (login, password) =>
      token(await unary<SessionObject>("Login", { login, password })),
    async getMe(accessToken) {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${accessToken}`);
      const res = await unary<GetMeObject>("GetMe", {}, metadata);
      return res.user?.id ?? "";
    },
    close() {
      for (const channel of channels) channel.close();
    },
  };
}

/**
 * connect-node's gRPC transport over HTTP/2 (the transport `connectTo` builds, minus its
 * interceptors), one transport per connection.
 */
function connectClient(port: number, connections: number): AuthClient {
  const clients = Array.from({ length: connections }, () =>
    createClient(AuthService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` })),
  );
  let next = 0;
  const pick = () => clients[next++ % clients.length]!;
  const token = (res: { session?: { accessToken: string } }) => {
    if (!res.session?.accessToken) throw new Error("response without access token");
    return { accessToken: res.session.accessToken };
  };
  return {
    register: async (a) => token(await pick().register(a)),
    login: async (login, password) => token(await pick().login({ login, password })),
    async getMe(accessToken) {
      const res = await pick().getMe({}, { headers: { authorization: `Bearer ${accessToken}` } });
      return res.user?.id ?? "";
    },
    // The transport's HTTP/2 session closes itself when idle; nothing to release here.
    close: () => {},
  };
}

import { createPrivateKey, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import * as grpc from "@grpc/grpc-js";
import test from "ava";
import { tempDir } from "../../test/support/fakes.js";
import type { PeerService } from "../src/context.js";
import {
  createMeshCa,
  issueServiceCertificate,
  MESH_IDENTITIES,
  type PemCredentials,
  parseSubjectAltName,
  peerServiceFromCertificate,
  peerServiceFromSubjectAltName,
  peerServiceFromX509Certificate,
  readMeshCredentials,
  spiffeIdFor,
  writeMeshCertificates,
} from "../src/pki/index.js";
import { crypto, x509 } from "../src/pki/x509.js";

const DAY_MS = 24 * 60 * 60 * 1000;

interface Fixtures {
  readonly ca: PemCredentials;
  readonly auth: PemCredentials;
  readonly messaging: PemCredentials;
  /** Same identity as `messaging`, but from a different CA in the same trust domain. */
  readonly rogueMessaging: PemCredentials;
  readonly rogueCa: PemCredentials;
  readonly expiredMessaging: PemCredentials;
  readonly expiredAuth: PemCredentials;
}

let fixtures: Promise<Fixtures> | undefined;
function certificates(): Promise<Fixtures> {
  fixtures ??= (async () => {
    const ca = await createMeshCa();
    const rogueCa = await createMeshCa();
    const expired = {
      notBefore: new Date(Date.now() - 3 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    };
    return {
      ca,
      rogueCa,
      auth: await issueServiceCertificate(ca, { service: "auth" }),
      messaging: await issueServiceCertificate(ca, { service: "messaging" }),
      rogueMessaging: await issueServiceCertificate(rogueCa, { service: "messaging" }),
      expiredMessaging: await issueServiceCertificate(ca, { service: "messaging", ...expired }),
      expiredAuth: await issueServiceCertificate(ca, { service: "auth", ...expired }),
    };
  })();
  return fixtures;
}

// --- real TLS -----------------------------------------------------------------------------

interface MeshServer {
  readonly port: number;
  /** Identities read from completed handshakes, in order. */
  readonly peers: (PeerService | undefined)[];
  /** Resolves with the reason the server refuses its next client (OpenSSL's verify code). */
  nextRefusal(): Promise<string>;
  close(): Promise<void>;
}

/** A node:tls server set up the way serve() runs in mesh mode: client certificates required. */
async function startMeshServer(server: PemCredentials, caPem: string): Promise<MeshServer> {
  const peers: (PeerService | undefined)[] = [];
  const sockets = new Set<Socket>();
  const tlsServer = tls.createServer(
    {
      key: server.keyPem,
      cert: server.certPem,
      ca: caPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      const peer = peerServiceFromCertificate(socket.getPeerCertificate());
      peers.push(peer);
      socket.end(`hello ${peer?.name ?? "nobody"}`);
    },
  );
  tlsServer.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  tlsServer.listen(0, "127.0.0.1");
  await once(tlsServer, "listening");
  return {
    port: (tlsServer.address() as AddressInfo).port,
    peers,
    nextRefusal: () =>
      new Promise((resolve) =>
        tlsServer.once("tlsClientError", (error: NodeJS.ErrnoException, socket: tls.TLSSocket) =>
          // Node sets authorizationError (a verify code such as CERT_HAS_EXPIRED) before it drops
          // a client whose certificate failed verification.
          resolve(String(socket.authorizationError ?? error.code)),
        ),
      ),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    },
  };
}

type Outcome = { ok: true; reply: string } | { ok: false; error: NodeJS.ErrnoException };

/** Connects as a mesh client and reports the server's reply, or why the connection failed. */
function call(
  port: number,
  options: { client?: PemCredentials; caPem: string; servername?: string | null },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      // null: no SNI, so the client checks the address it dialled (127.0.0.1) instead.
      ...(options.servername !== null && { servername: options.servername ?? "localhost" }),
      ca: options.caPem,
      ...(options.client && { key: options.client.keyPem, cert: options.client.certPem }),
    });
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      reply += chunk;
    });
    socket.on("error", (error) => {
      socket.destroy();
      resolve({ ok: false, error });
    });
    socket.on("close", () =>
      resolve(
        reply ? { ok: true, reply } : { ok: false, error: new Error("closed without reply") },
      ),
    );
  });
}

test("mTLS: a service certificate is accepted and the server reads the caller's identity", async (t) => {
  const { ca, auth, messaging } = await certificates();
  const server = await startMeshServer(auth, ca.certPem);
  t.teardown(() => server.close());

  const outcome = await call(server.port, { client: messaging, caPem: ca.certPem });

  t.deepEqual(outcome, { ok: true, reply: "hello messaging" });
  t.deepEqual(server.peers, [
    { spiffeId: "spiffe://parley.local/svc/messaging", name: "messaging" },
  ]);
});

test("mTLS: a client certificate from another CA is refused by the server", async (t) => {
  const { ca, auth, rogueMessaging } = await certificates();
  const server = await startMeshServer(auth, ca.certPem);
  t.teardown(() => server.close());

  const refusal = server.nextRefusal();
  const outcome = await call(server.port, { client: rogueMessaging, caPem: ca.certPem });

  t.is(await refusal, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  t.false(outcome.ok, "the client got no reply");
  t.deepEqual(server.peers, [], "no connection reached the application");
});

test("mTLS: a client without a certificate is refused", async (t) => {
  const { ca, auth } = await certificates();
  const server = await startMeshServer(auth, ca.certPem);
  t.teardown(() => server.close());

  const refusal = server.nextRefusal();
  const outcome = await call(server.port, { caPem: ca.certPem });

  t.is(await refusal, "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE");
  t.false(outcome.ok);
  t.deepEqual(server.peers, []);
});

test("mTLS: an expired client certificate is refused by the server", async (t) => {
  const { ca, auth, expiredMessaging } = await certificates();
  const server = await startMeshServer(auth, ca.certPem);
  t.teardown(() => server.close());

  const refusal = server.nextRefusal();
  const outcome = await call(server.port, { client: expiredMessaging, caPem: ca.certPem });

  t.is(await refusal, "CERT_HAS_EXPIRED");
  t.false(outcome.ok);
  t.deepEqual(server.peers, []);
});

test("mTLS: the client refuses an expired server certificate", async (t) => {
  const { ca, expiredAuth, messaging } = await certificates();
  const server = await startMeshServer(expiredAuth, ca.certPem);
  t.teardown(() => server.close());

  const outcome = await call(server.port, { client: messaging, caPem: ca.certPem });

  t.false(outcome.ok);
  if (!outcome.ok) t.is(outcome.error.code, "CERT_HAS_EXPIRED");
  t.deepEqual(server.peers, []);
});

test("mTLS: the client refuses a server certificate from another CA", async (t) => {
  const { ca, rogueCa, rogueMessaging, messaging } = await certificates();
  const server = await startMeshServer(rogueMessaging, rogueCa.certPem);
  t.teardown(() => server.close());

  const outcome = await call(server.port, { client: messaging, caPem: ca.certPem });

  t.false(outcome.ok);
  // Node's server sends the rogue CA along with its certificate, hence "self-signed in chain".
  if (!outcome.ok) t.is(outcome.error.code, "SELF_SIGNED_CERT_IN_CHAIN");
  t.deepEqual(server.peers, []);
});

test("mTLS: the client checks the server's name against the certificate", async (t) => {
  const { ca, auth, messaging } = await certificates();
  const server = await startMeshServer(auth, ca.certPem);
  t.teardown(() => server.close());

  // The same server, reached by names its certificate does and does not carry.
  const byServiceName = await call(server.port, {
    client: messaging,
    caPem: ca.certPem,
    servername: "auth",
  });
  const byAddress = await call(server.port, {
    client: messaging,
    caPem: ca.certPem,
    servername: null,
  });
  const wrongName = await call(server.port, {
    client: messaging,
    caPem: ca.certPem,
    servername: "voice",
  });

  t.deepEqual(byServiceName, { ok: true, reply: "hello messaging" });
  t.deepEqual(byAddress, { ok: true, reply: "hello messaging" });
  t.false(wrongName.ok);
  if (!wrongName.ok) t.is(wrongName.error.code, "ERR_TLS_CERT_ALTNAME_INVALID");
});

test("mTLS with @grpc/grpc-js: keys and certificates load, the server sees the caller's identity", async (t) => {
  const { ca, auth, messaging } = await certificates();
  const identity = (value: Buffer) => value;
  const whoAmI: grpc.MethodDefinition<Buffer, Buffer> = {
    path: "/parley.test.v1.TestService/WhoAmI",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  const server = new grpc.Server();
  server.addService(
    { WhoAmI: whoAmI },
    {
      WhoAmI: (
        call: grpc.ServerUnaryCall<Buffer, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => {
        const peer = peerServiceFromCertificate(call.getAuthContext()?.sslPeerCertificate);
        callback(null, Buffer.from(peer?.name ?? "nobody"));
      },
    },
  );
  const serverCredentials = grpc.ServerCredentials.createSsl(
    Buffer.from(ca.certPem),
    [{ private_key: Buffer.from(auth.keyPem), cert_chain: Buffer.from(auth.certPem) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  t.teardown(() => server.forceShutdown());

  const Client = grpc.makeGenericClientConstructor({ WhoAmI: whoAmI }, "TestService");
  const client = new Client(
    `localhost:${port}`,
    grpc.credentials.createSsl(
      Buffer.from(ca.certPem),
      Buffer.from(messaging.keyPem),
      Buffer.from(messaging.certPem),
    ),
  );
  t.teardown(() => client.close());
  const reply = await new Promise<Buffer>((resolve, reject) =>
    client.makeUnaryRequest(
      whoAmI.path,
      identity,
      identity,
      Buffer.alloc(0),
      (error: grpc.ServiceError | null, value?: Buffer) =>
        error || !value ? reject(error) : resolve(value),
    ),
  );

  t.is(reply.toString(), "messaging");
});

// --- what the certificates say ----------------------------------------------------------

test("createMeshCa: a self-signed CA that may only sign leaves, naming its trust domain", async (t) => {
  const { ca } = await certificates();
  const cert = new x509.X509Certificate(ca.certPem);
  const nodeCert = new X509Certificate(ca.certPem);

  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  t.true(constraints?.ca);
  t.true(constraints?.critical);
  t.is(constraints?.pathLength, 0);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  t.is(usage?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  t.true(usage?.critical);
  t.regex(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? "", /^[0-9a-f]{40}$/);
  t.is(nodeCert.subjectAltName, "URI:spiffe://parley.local");
  t.true(nodeCert.verify(nodeCert.publicKey), "self-signed");
  t.is(nodeCert.issuer, nodeCert.subject);
  t.true(await cert.verify({ publicKey: cert.publicKey }, crypto));
  t.is(ca.keyPem.split("\n")[0], "-----BEGIN PRIVATE KEY-----");
});

test("createMeshCa: honours the trust domain and validity it is given", async (t) => {
  const ca = await createMeshCa({ trustDomain: "example.org", validityDays: 30 });
  const cert = new X509Certificate(ca.certPem);
  const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS;

  t.is(cert.subjectAltName, "URI:spiffe://example.org");
  t.is(Math.round(days), 30);
  await t.throwsAsync(createMeshCa({ trustDomain: "Not A Domain" }), { instanceOf: TypeError });
  await t.throwsAsync(createMeshCa({ validityDays: 0 }), { instanceOf: RangeError });
});

test("issueServiceCertificate: a leaf for server and client use with the SPIFFE id", async (t) => {
  const { ca, messaging } = await certificates();
  const cert = new x509.X509Certificate(messaging.certPem);
  const nodeCert = new X509Certificate(messaging.certPem);
  const caCert = new X509Certificate(ca.certPem);

  t.is(
    nodeCert.subjectAltName,
    "URI:spiffe://parley.local/svc/messaging, DNS:localhost, DNS:messaging, " +
      "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
  );
  t.deepEqual(nodeCert.keyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]); // server+client auth
  t.false(nodeCert.ca);
  t.is(cert.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
  t.true(nodeCert.checkIssued(caCert));
  t.true(nodeCert.verify(caCert.publicKey));
  t.is(
    cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
    new x509.X509Certificate(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
  );
  t.is(messaging.keyPem.split("\n")[0], "-----BEGIN PRIVATE KEY-----");
  t.is(createPrivateKey(messaging.keyPem).asymmetricKeyDetails?.namedCurve, "prime256v1");
  t.true(nodeCert.checkPrivateKey(createPrivateKey(messaging.keyPem)));
  t.deepEqual(peerServiceFromX509Certificate(nodeCert), {
    spiffeId: "spiffe://parley.local/svc/messaging",
    name: "messaging",
  });
});

test("issueServiceCertificate: custom names, the CA's trust domain, and no outliving the CA", async (t) => {
  const ca = await createMeshCa({ trustDomain: "example.org", validityDays: 10 });
  const leaf = await issueServiceCertificate(ca, {
    service: "voice",
    dnsNames: ["voice.parley.svc.cluster.local"],
    ipAddresses: ["10.0.0.7"],
  });
  const cert = new X509Certificate(leaf.certPem);

  t.is(
    cert.subjectAltName,
    "URI:spiffe://example.org/svc/voice, DNS:voice.parley.svc.cluster.local, IP Address:10.0.0.7",
  );
  t.is(cert.validTo, new X509Certificate(ca.certPem).validTo, "cut to the CA's end");
  t.is(peerServiceFromX509Certificate(cert), undefined, "not in the default trust domain");
  t.is(peerServiceFromX509Certificate(cert, "example.org")?.name, "voice");
});

test("issueServiceCertificate: refuses bad input instead of issuing something odd", async (t) => {
  const { ca, auth, rogueCa } = await certificates();

  await t.throwsAsync(issueServiceCertificate(ca, { service: "Auth" }), {
    message: /service name/,
  });
  await t.throwsAsync(issueServiceCertificate(ca, { service: "a/b" }), { message: /service name/ });
  await t.throwsAsync(issueServiceCertificate(ca, { service: "auth", trustDomain: "other.org" }), {
    message: /trust domain parley.local/,
  });
  await t.throwsAsync(
    issueServiceCertificate(ca, { service: "auth", ipAddresses: ["localhost"] }),
    {
      message: /invalid IP/,
    },
  );
  await t.throwsAsync(issueServiceCertificate(ca, { service: "auth", dnsNames: ["a b"] }), {
    message: /invalid DNS/,
  });
  await t.throwsAsync(issueServiceCertificate(auth, { service: "voice" }), { message: /not a CA/ });
  await t.throwsAsync(
    issueServiceCertificate({ certPem: ca.certPem, keyPem: rogueCa.keyPem }, { service: "voice" }),
    { message: /does not match/ },
  );
  const now = Date.now();
  await t.throwsAsync(
    issueServiceCertificate(ca, {
      service: "auth",
      notBefore: new Date(now),
      notAfter: new Date(now - 1),
    }),
    { instanceOf: RangeError },
  );
});

// --- reading identities -------------------------------------------------------------------

test("spiffeIdFor: one format for every service id", (t) => {
  t.is(spiffeIdFor("auth"), "spiffe://parley.local/svc/auth");
  t.is(spiffeIdFor("server-mgmt", "example.org"), "spiffe://example.org/svc/server-mgmt");
  t.deepEqual(
    MESH_IDENTITIES.map((name) => spiffeIdFor(name)),
    MESH_IDENTITIES.map((name) => `spiffe://parley.local/svc/${name}`),
  );
  for (const bad of ["", "Auth", "a/b", "a.b", "a b", "auth/../edge"]) {
    t.throws(() => spiffeIdFor(bad), { instanceOf: TypeError }, bad);
  }
  t.throws(() => spiffeIdFor("auth", "Parley.Local"), { instanceOf: TypeError });
});

test("parseSubjectAltName: reads Node's format, including quoted values", (t) => {
  t.deepEqual(
    parseSubjectAltName("DNS:localhost, URI:spiffe://parley.local/svc/auth, IP Address:127.0.0.1"),
    [
      { type: "DNS", value: "localhost" },
      { type: "URI", value: "spiffe://parley.local/svc/auth" },
      { type: "IP Address", value: "127.0.0.1" },
    ],
  );
  // Node escapes commas inside quoted values as \u002c.
  t.deepEqual(parseSubjectAltName('URI:"spiffe://a/svc/x\\u002c URI:spiffe://b", DNS:c'), [
    { type: "URI", value: "spiffe://a/svc/x, URI:spiffe://b" },
    { type: "DNS", value: "c" },
  ]);
  t.deepEqual(parseSubjectAltName('DNS:"a\\"b"'), [{ type: "DNS", value: 'a"b' }]);
  t.deepEqual(parseSubjectAltName(""), []);
  t.is(parseSubjectAltName("no colon"), undefined);
  t.is(parseSubjectAltName('URI:"unterminated'), undefined);
  t.is(parseSubjectAltName('URI:"a"junk'), undefined);
});

test("peerServiceFromCertificate: accepts exactly spiffe://<trust domain>/svc/<name>", (t) => {
  const read = (subjectaltname?: string) =>
    peerServiceFromCertificate({ subjectaltname } as tls.PeerCertificate);

  t.deepEqual(read("DNS:localhost, URI:spiffe://parley.local/svc/auth, IP Address:127.0.0.1"), {
    spiffeId: "spiffe://parley.local/svc/auth",
    name: "auth",
  });
  t.is(read("DNS:localhost, URI:spiffe://parley.local/svc/server-mgmt")?.name, "server-mgmt");
  // No certificate (getPeerCertificate() returns {}), or no URI.
  t.is(peerServiceFromCertificate({} as tls.PeerCertificate), undefined);
  t.is(peerServiceFromCertificate(undefined), undefined);
  t.is(read("DNS:localhost, IP Address:127.0.0.1"), undefined);
});

test("peerServiceFromCertificate: rejects foreign trust domains", (t) => {
  const read = (san: string, trustDomain?: string) =>
    peerServiceFromSubjectAltName(san, trustDomain);

  for (const uri of [
    "spiffe://evil.local/svc/auth",
    "spiffe://parley.local.evil/svc/auth",
    "spiffe://evil.parley.local/svc/auth",
    "spiffe://parley.localx/svc/auth",
    "spiffe://parley.local:443/svc/auth",
    "spiffe://user@parley.local/svc/auth",
    "spiffe://PARLEY.LOCAL/svc/auth",
    "https://parley.local/svc/auth",
  ]) {
    t.is(read(`URI:${uri}`), undefined, uri);
  }
  t.is(read("URI:spiffe://evil.local/svc/auth", "evil.local")?.name, "auth", "when it is ours");
});

test("peerServiceFromCertificate: rejects paths other than /svc/<name>", (t) => {
  for (const uri of [
    "spiffe://parley.local/ns/default/sa/auth",
    "spiffe://parley.local/svc/",
    "spiffe://parley.local/svc",
    "spiffe://parley.local",
    "spiffe://parley.local/svc/auth/extra",
    "spiffe://parley.local/svc/Auth",
    "spiffe://parley.local/svc/au%74h",
    "spiffe://parley.local/svc/auth?x=1",
    "spiffe://parley.local/svc/auth#frag",
    "spiffe://parley.local/svc/../svc/auth",
    "spiffe://parley.local//svc/auth",
    " spiffe://parley.local/svc/auth",
  ]) {
    t.is(peerServiceFromSubjectAltName(`URI:${uri}`), undefined, uri);
  }
});

test("peerServiceFromCertificate: more than one URI SAN is no identity at all", (t) => {
  t.is(
    peerServiceFromSubjectAltName(
      "URI:spiffe://parley.local/svc/auth, URI:spiffe://parley.local/svc/edge",
    ),
    undefined,
  );
  t.is(
    peerServiceFromSubjectAltName(
      "URI:spiffe://parley.local/svc/auth, URI:spiffe://parley.local/svc/auth",
    ),
    undefined,
  );
  t.is(
    peerServiceFromSubjectAltName(
      "URI:https://parley.example/, URI:spiffe://parley.local/svc/auth",
    ),
    undefined,
  );
});

test("peerServiceFromX509Certificate: names smuggled into other fields do not count", async (t) => {
  const forged = async (names: x509.JsonGeneralNames) => {
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ]);
    const cert = await x509.X509CertificateGenerator.createSelfSigned(
      {
        name: "CN=forged",
        keys,
        signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
        extensions: [new x509.SubjectAlternativeNameExtension(names)],
      },
      crypto,
    );
    return new X509Certificate(cert.toString("pem"));
  };

  // A URI whose text carries a second "URI:" entry: Node quotes it, so it stays one bad URI.
  const comma = await forged([
    { type: "url", value: "spiffe://parley.local/svc/x, URI:spiffe://parley.local/svc/auth" },
  ]);
  t.is(
    comma.subjectAltName,
    'URI:"spiffe://parley.local/svc/x\\u002c URI:spiffe://parley.local/svc/auth"',
  );
  t.is(peerServiceFromX509Certificate(comma), undefined);
  // A DNS name that looks like a URI entry.
  const dns = await forged([{ type: "dns", value: "URI:spiffe://parley.local/svc/auth" }]);
  t.is(peerServiceFromX509Certificate(dns), undefined);
  // The real thing, for contrast.
  const real = await forged([{ type: "url", value: "spiffe://parley.local/svc/auth" }]);
  t.is(peerServiceFromX509Certificate(real)?.name, "auth");
});

// --- the certificate directory -----------------------------------------------------------

test("writeMeshCertificates: writes the CA and every mesh identity, keys private", async (t) => {
  const dir = tempDir(t, "parley-pki-");

  const result = await writeMeshCertificates(dir);

  t.is(result.ca.action, "created");
  t.deepEqual(
    result.services.map((s) => [s.service, s.action, s.spiffeId]),
    MESH_IDENTITIES.map((name) => [name, "issued", `spiffe://parley.local/svc/${name}`]),
  );
  t.is((await stat(join(dir, "ca.key"))).mode & 0o777, 0o600);
  const caCert = new X509Certificate(await readFile(join(dir, "ca.pem"), "utf8"));
  for (const name of MESH_IDENTITIES) {
    t.is((await stat(join(dir, `${name}.key`))).mode & 0o777, 0o600, name);
    const creds = await readMeshCredentials(dir, name);
    const cert = new X509Certificate(creds.certPem);
    t.true(cert.verify(caCert.publicKey), name);
    t.true(cert.checkPrivateKey(createPrivateKey(creds.keyPem)), name);
    t.is(peerServiceFromX509Certificate(cert)?.name, name);
  }
});

test("writeMeshCertificates: rerunning keeps the CA and current certs, adds what is missing", async (t) => {
  const dir = tempDir(t, "parley-pki-");
  await writeMeshCertificates(dir, ["auth", "messaging"]);
  const before = await readMeshCredentials(dir, "auth");

  const again = await writeMeshCertificates(dir, ["auth", "messaging", "voice"]);

  t.is(again.ca.action, "reused");
  t.deepEqual(
    again.services.map((s) => [s.service, s.action]),
    [
      ["auth", "kept"],
      ["messaging", "kept"],
      ["voice", "issued"],
    ],
  );
  t.deepEqual(await readMeshCredentials(dir, "auth"), before, "untouched files");
  const voice = await readMeshCredentials(dir, "voice");
  t.is(voice.caPem, before.caPem);
  t.true(new X509Certificate(voice.certPem).verify(new X509Certificate(before.caPem).publicKey));
});

test("writeMeshCertificates: a real handshake between two services from the directory", async (t) => {
  const dir = tempDir(t, "parley-pki-");
  await writeMeshCertificates(dir, ["files", "edge"]);
  const files = await readMeshCredentials(dir, "files");
  const edge = await readMeshCredentials(dir, "edge");
  const server = await startMeshServer(files, files.caPem);
  t.teardown(() => server.close());

  const outcome = await call(server.port, { client: edge, caPem: edge.caPem, servername: "files" });

  t.deepEqual(outcome, { ok: true, reply: "hello edge" });
  t.deepEqual(server.peers, [{ spiffeId: "spiffe://parley.local/svc/edge", name: "edge" }]);
});

test("writeMeshCertificates: force rotates the CA and reissues", async (t) => {
  const dir = tempDir(t, "parley-pki-");
  await writeMeshCertificates(dir, ["auth"]);
  const old = await readMeshCredentials(dir, "auth");

  const rotated = await writeMeshCertificates(dir, ["auth"], { force: true, validityDays: 7 });
  const fresh = await readMeshCredentials(dir, "auth");

  t.is(rotated.ca.action, "created");
  t.deepEqual(
    rotated.services.map((s) => [s.action, s.reason]),
    [["issued", "force"]],
  );
  t.not(fresh.caPem, old.caPem);
  const cert = new X509Certificate(fresh.certPem);
  t.true(cert.verify(new X509Certificate(fresh.caPem).publicKey));
  t.false(cert.verify(new X509Certificate(old.caPem).publicKey));
  t.is(Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS), 7);
});

test("writeMeshCertificates: repairs broken, foreign and ageing certificates", async (t) => {
  const dir = tempDir(t, "parley-pki-");
  await writeMeshCertificates(dir, ["auth", "messaging", "voice"], { validityDays: 30 });
  const other = await issueServiceCertificate(await createMeshCa(), { service: "messaging" });
  await writeFile(join(dir, "auth.key"), other.keyPem); // key no longer matches auth.pem
  await writeFile(join(dir, "messaging.pem"), other.certPem);
  await writeFile(join(dir, "messaging.key"), other.keyPem); // valid pair, another CA

  const repaired = await writeMeshCertificates(dir, ["auth", "messaging", "voice"]);
  const later = await writeMeshCertificates(dir, ["voice"], {
    now: new Date(Date.now() + 25 * DAY_MS),
  });

  t.deepEqual(
    repaired.services.map((s) => [s.service, s.action, s.reason]),
    [
      ["auth", "issued", "key does not match certificate"],
      ["messaging", "issued", "signed by another CA"],
      ["voice", "kept", undefined],
    ],
  );
  t.deepEqual(
    later.services.map((s) => [s.action, s.reason]),
    [["issued", "due for renewal"]],
  );
  const ca = new X509Certificate((await readMeshCredentials(dir, "auth")).caPem);
  for (const name of ["auth", "messaging"]) {
    const creds = await readMeshCredentials(dir, name);
    t.true(new X509Certificate(creds.certPem).verify(ca.publicKey), name);
  }
});

test("writeMeshCertificates: refuses to guess about a damaged CA or bad names", async (t) => {
  const dir = tempDir(t, "parley-pki-");
  await writeMeshCertificates(dir, ["auth"]);

  await t.throwsAsync(writeMeshCertificates(dir, ["auth"], { trustDomain: "example.org" }), {
    message: /is for parley.local, not example.org/,
  });
  await rm(join(dir, "ca.key"));
  await t.throwsAsync(writeMeshCertificates(dir, ["auth"]), {
    message: /only one of ca.pem and ca.key/,
  });
  const fresh = join(dir, "never-created");
  await t.throwsAsync(writeMeshCertificates(fresh, ["auth", "Bad Name"]), {
    message: /service name/,
  });
  await t.throwsAsync(stat(fresh), { code: "ENOENT" }, "nothing written");
  // force is the way out.
  t.is((await writeMeshCertificates(dir, ["auth"], { force: true })).ca.action, "created");
});

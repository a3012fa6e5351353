import { statSync } from "node:fs";
import { join } from "node:path";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import test from "ava";
import Database from "better-sqlite3";
import { openSqliteAuthStore } from "../src/adapters/sqlite-auth-store.js";
import { MIGRATIONS } from "../src/adapters/sqlite-migrations.js";
import { AUTH_DATABASE_FILE, createAuth } from "../src/auth-module.js";
import { loadAuthConfig } from "../src/config.js";
import { cheapHasher, FakeClock, tempDir } from "./helpers/harness.js";

async function open(dataDir: string, clock: FakeClock) {
  const auth = await createAuth(loadAuthConfig({ PARLEY_AUTH_DATA_DIR: dataDir }), {
    clock,
    passwordHasher: cheapHasher(),
  });
  const transport = createRouterTransport((router) => router.service(AuthService, auth.service));
  return { auth, client: createClient(AuthService, transport) };
}

test("accounts, sessions and signing keys survive a restart", async (t) => {
  const dataDir = join(tempDir(t), "nested", "auth");
  const clock = new FakeClock();

  const first = await open(dataDir, clock);
  const reg = await first.client.register({
    username: "persist",
    email: "persist@example.com",
    password: "durable password",
  });
  const jwksBefore = (await first.client.getJwks({})).keys.map((k) => k.x);
  await first.auth.close();
  await first.auth.close(); // idempotent

  const second = await open(dataDir, clock);
  t.teardown(() => second.auth.close());
  t.deepEqual(
    (await second.client.getJwks({})).keys.map((k) => k.x),
    jwksBefore,
    "same public key after restart",
  );
  const login = await second.client.login({ login: "persist", password: "durable password" });
  t.is(login.session?.user?.id, reg.session?.user?.id);
  const info = await second.client.introspectToken({ token: reg.session?.accessToken ?? "" });
  t.true(info.active, "tokens issued before the restart still verify");
  const refreshed = await second.client.refresh({ refreshToken: reg.session?.refreshToken ?? "" });
  t.truthy(refreshed.session?.accessToken, "refresh tokens survive too");
});

test("the database is WAL and owner-only, in an owner-only directory", async (t) => {
  const dataDir = join(tempDir(t), "auth");
  const { auth } = await open(dataDir, new FakeClock());
  t.teardown(() => auth.close());
  const file = join(dataDir, AUTH_DATABASE_FILE);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(statSync(dataDir).mode & 0o777, 0o700);
  const db = new Database(file, { readonly: true });
  t.teardown(() => db.close());
  t.is(db.pragma("journal_mode", { simple: true }), "wal");
  t.is(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
});

test("a database from a newer build is refused instead of being misread", (t) => {
  const file = join(tempDir(t), AUTH_DATABASE_FILE);
  openSqliteAuthStore(file).close();
  const db = new Database(file);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  t.throws(() => openSqliteAuthStore(file), { message: /newer than this build supports/ });
});

test("reopening an up-to-date database runs no migration again", async (t) => {
  const file = join(tempDir(t), AUTH_DATABASE_FILE);
  const store = openSqliteAuthStore(file);
  const created = await store.users.create({
    id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    username: "kept",
    email: "kept@example.com",
    displayName: "Kept",
    passwordHash: "x",
    role: "member",
    promoteIfFirst: true,
    createdAt: 1,
  });
  t.true(created.ok);
  store.close();
  const again = openSqliteAuthStore(file);
  t.teardown(() => again.close());
  t.is((await again.users.findById("0f8fad5b-d9cb-469f-a165-70867728950e"))?.username, "kept");
});

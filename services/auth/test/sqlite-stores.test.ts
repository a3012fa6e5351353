import test from "ava";
import { openSqliteAuthStore, type SqliteAuthStore } from "../src/adapters/sqlite-auth-store.js";
import type { NewUser } from "../src/ports.js";

function store(t: { teardown(fn: () => void): void }): SqliteAuthStore {
  const s = openSqliteAuthStore(":memory:");
  t.teardown(() => s.close());
  return s;
}

let n = 0;
function newUser(overrides: Partial<NewUser> = {}): NewUser {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    username: `person${n}`,
    email: `person${n}@example.com`,
    displayName: `Person ${n}`,
    passwordHash: "$argon2id$stub",
    role: "member",
    promoteIfFirst: true,
    createdAt: n,
    ...overrides,
  };
}

test("users: only the first account is promoted, and uniqueness ignores case", async (t) => {
  const s = store(t);
  const first = await s.users.create(newUser({ username: "caseuser", email: "Mixed@Case.org" }));
  const second = await s.users.create(newUser());
  t.true(first.ok && first.user.role === "admin");
  t.true(second.ok && second.user.role === "member");
  t.deepEqual(await s.users.create(newUser({ username: "CaseUser" })), {
    ok: false,
    conflict: "username",
  });
  t.deepEqual(await s.users.create(newUser({ email: "mixed@CASE.org" })), {
    ok: false,
    conflict: "email",
  });
  t.is((await s.users.findByEmail("MIXED@case.org"))?.email, "Mixed@Case.org", "kept as typed");
  const found = await s.users.findCredentials("MIXED@case.ORG");
  t.is(found?.passwordHash, "$argon2id$stub");
  t.false("passwordHash" in (found?.user ?? {}), "plain reads never carry the hash");
});

test("users: setRole is atomic about the last admin", async (t) => {
  const s = store(t);
  const a = await s.users.create(newUser());
  if (!a.ok) throw new Error("setup");
  t.deepEqual(await s.users.setRole(a.user.id, "member", 10), { kind: "last_admin" });
  t.deepEqual(await s.users.setRole("missing", "admin", 10), { kind: "not_found" });
  const b = await s.users.create(newUser());
  if (!b.ok) throw new Error("setup");
  const promoted = await s.users.setRole(b.user.id, "admin", 11);
  t.is(promoted.kind, "updated");
  const demoted = await s.users.setRole(a.user.id, "member", 12);
  t.true(
    demoted.kind === "updated" && demoted.user.role === "member" && demoted.user.updatedAt === 12,
  );
});

test("refresh tokens: a token rotates once; a replay revokes the family; expiry and prune", async (t) => {
  const s = store(t);
  const u = await s.users.create(newUser());
  if (!u.ok) throw new Error("setup");
  await s.refreshTokens.startFamily({
    tokenHash: "h1",
    familyId: "f1",
    userId: u.user.id,
    createdAt: 0,
    expiresAt: 100,
  });
  t.deepEqual(
    await s.refreshTokens.rotate("h1", { tokenHash: "h2", createdAt: 1, expiresAt: 101 }, 1),
    {
      kind: "rotated",
      userId: u.user.id,
      familyId: "f1",
    },
  );
  t.deepEqual(
    await s.refreshTokens.rotate("h1", { tokenHash: "h3", createdAt: 2, expiresAt: 102 }, 2),
    {
      kind: "reused",
      userId: u.user.id,
      familyId: "f1",
    },
  );
  t.deepEqual(
    await s.refreshTokens.rotate("h2", { tokenHash: "h4", createdAt: 3, expiresAt: 103 }, 3),
    { kind: "revoked" },
  );
  t.deepEqual(
    await s.refreshTokens.rotate("nope", { tokenHash: "h5", createdAt: 3, expiresAt: 103 }, 3),
    { kind: "unknown" },
  );

  await s.refreshTokens.startFamily({
    tokenHash: "g1",
    familyId: "f2",
    userId: u.user.id,
    createdAt: 0,
    expiresAt: 50,
  });
  t.deepEqual(
    await s.refreshTokens.rotate("g1", { tokenHash: "g2", createdAt: 50, expiresAt: 150 }, 50),
    { kind: "expired" },
  );
  t.is(await s.refreshTokens.pruneExpired(101), 3, "h1, h2 and g1 are past expiry");
  t.deepEqual(
    await s.refreshTokens.rotate("g1", { tokenHash: "g3", createdAt: 102, expiresAt: 200 }, 102),
    { kind: "unknown" },
  );
});

test("refresh tokens: revokeAllForUser ends every family of that user only", async (t) => {
  const s = store(t);
  const a = await s.users.create(newUser());
  const b = await s.users.create(newUser());
  if (!a.ok || !b.ok) throw new Error("setup");
  for (const [hash, family, user] of [
    ["a1", "fa1", a.user.id],
    ["a2", "fa2", a.user.id],
    ["b1", "fb1", b.user.id],
  ] as const) {
    await s.refreshTokens.startFamily({
      tokenHash: hash,
      familyId: family,
      userId: user,
      createdAt: 0,
      expiresAt: 1e6,
    });
  }
  t.is(await s.refreshTokens.revokeAllForUser(a.user.id, 5), 2);
  const next = { tokenHash: "x", createdAt: 6, expiresAt: 1e6 };
  t.is((await s.refreshTokens.rotate("a1", next, 6)).kind, "revoked");
  t.is((await s.refreshTokens.rotate("a2", next, 6)).kind, "revoked");
  t.is((await s.refreshTokens.rotate("b1", next, 6)).kind, "rotated");
});

test("reset tokens: consume succeeds once and only while live", async (t) => {
  const s = store(t);
  const u = await s.users.create(newUser());
  if (!u.ok) throw new Error("setup");
  await s.resetTokens.create({ tokenHash: "r1", userId: u.user.id, createdAt: 0, expiresAt: 10 });
  t.is(await s.resetTokens.peek("r1", 5), u.user.id);
  t.is(await s.resetTokens.consume("r1", 5), u.user.id);
  t.is(await s.resetTokens.consume("r1", 5), undefined);
  await s.resetTokens.create({ tokenHash: "r2", userId: u.user.id, createdAt: 0, expiresAt: 10 });
  t.is(await s.resetTokens.peek("r2", 10), undefined, "expired at expiresAt");
  t.is(await s.resetTokens.consume("r2", 10), undefined);
});

test("denied tokens: denied until the given time, then pruned", async (t) => {
  const s = store(t);
  await s.deniedTokens.deny("jti-1", 100);
  await s.deniedTokens.deny("jti-1", 50); // an earlier expiry never shortens a denial
  t.true(await s.deniedTokens.isDenied("jti-1", 99));
  t.false(await s.deniedTokens.isDenied("jti-1", 100));
  t.false(await s.deniedTokens.isDenied("jti-2", 0));
  t.is(await s.deniedTokens.pruneExpired(100), 1);
});

test("signing keys: activate retires the previous current key in the same step", async (t) => {
  const s = store(t);
  const key = (kid: string, createdAt: number) => ({
    kid,
    privateJwk: { kty: "OKP", d: "secret" },
    publicJwk: { kty: "OKP", x: kid },
    createdAt,
    retiredAt: null,
  });
  await s.signingKeys.activate(key("k1", 1), 1);
  await s.signingKeys.activate(key("k2", 2), 2);
  const keys = await s.signingKeys.list();
  t.deepEqual(
    keys.map((k) => [k.kid, k.retiredAt]),
    [
      ["k1", 2],
      ["k2", null],
    ],
  );
  t.deepEqual(await s.signingKeys.pruneRetiredBefore(1), []);
  t.deepEqual(await s.signingKeys.pruneRetiredBefore(2), ["k1"]);
  t.deepEqual(
    (await s.signingKeys.list()).map((k) => k.kid),
    ["k2"],
  );
});

import { Code } from "@connectrpc/connect";
import { Role } from "@parley/gen/parley/auth/v1/user_pb.js";
import test from "ava";
import { encodePageToken } from "../src/page-token.js";
import { as, register, rejection, startAuth } from "./helpers/harness.js";

test("SetUserRole: admins promote and demote; members are refused", async (t) => {
  const { client } = await startAuth(t);
  const admin = await register(client, "root");
  const member = await register(client, "mel");
  const other = await register(client, "ola");

  const denied = await rejection(() =>
    client.setUserRole({ userId: other.user.id, role: Role.ADMIN }, as(member.session.accessToken)),
  );
  t.is(denied.code, Code.PermissionDenied);

  const anonymous = await rejection(() =>
    client.setUserRole({ userId: other.user.id, role: Role.ADMIN }),
  );
  t.is(anonymous.code, Code.Unauthenticated);

  const promoted = await client.setUserRole(
    { userId: member.user.id, role: Role.ADMIN },
    as(admin.session.accessToken),
  );
  t.is(promoted.user?.role, Role.ADMIN);
  const demoted = await client.setUserRole(
    { userId: member.user.id, role: Role.MEMBER },
    as(admin.session.accessToken),
  );
  t.is(demoted.user?.role, Role.MEMBER);
  const me = await client.getMe({}, as(member.session.accessToken));
  t.is(me.user?.role, Role.MEMBER);
});

test("SetUserRole refuses to demote the last admin, including themselves", async (t) => {
  const { client } = await startAuth(t);
  const admin = await register(client, "solo");
  const err = await rejection(() =>
    client.setUserRole({ userId: admin.user.id, role: Role.MEMBER }, as(admin.session.accessToken)),
  );
  t.is(err.code, Code.FailedPrecondition);
  t.regex(err.rawMessage, /last admin/);

  // With a second admin, stepping down is fine.
  const second = await register(client, "duo");
  await client.setUserRole(
    { userId: second.user.id, role: Role.ADMIN },
    as(admin.session.accessToken),
  );
  const stepped = await client.setUserRole(
    { userId: admin.user.id, role: Role.MEMBER },
    as(admin.session.accessToken),
  );
  t.is(stepped.user?.role, Role.MEMBER);
  // And now the remaining admin is the last one (signed in again: the old token said member).
  const duo = await client.login({ login: "duo", password: second.password });
  const last = await rejection(() =>
    client.setUserRole({ userId: second.user.id, role: Role.MEMBER }, as(duo.session?.accessToken)),
  );
  t.is(last.code, Code.FailedPrecondition);
});

test("SetUserRole on an unknown user is not_found", async (t) => {
  const { client } = await startAuth(t);
  const admin = await register(client, "adm");
  const err = await rejection(() =>
    client.setUserRole(
      { userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7", role: Role.ADMIN },
      as(admin.session.accessToken),
    ),
  );
  t.is(err.code, Code.NotFound);
});

test("a demoted admin's still-valid admin token no longer grants admin RPCs", async (t) => {
  const { client } = await startAuth(t);
  const first = await register(client, "ann");
  const second = await register(client, "ben");
  await client.setUserRole(
    { userId: second.user.id, role: Role.ADMIN },
    as(first.session.accessToken),
  );
  const benAdmin = await client.login({ login: "ben", password: second.password });
  await client.setUserRole(
    { userId: second.user.id, role: Role.MEMBER },
    as(first.session.accessToken),
  );

  const err = await rejection(() => client.listUsers({}, as(benAdmin.session?.accessToken)));
  t.is(err.code, Code.PermissionDenied, "the stored role wins over the token's claim");
});

test("ListUsers pages oldest first with opaque tokens and no overlap", async (t) => {
  const { client, clock } = await startAuth(t);
  const admin = await register(client, "u0");
  const names = ["u0"];
  for (let i = 1; i < 7; i++) {
    // Two accounts per millisecond: ties on created_at must still page correctly.
    if (i % 2 === 1) clock.advance(1);
    names.push((await register(client, `u${i}`)).username);
  }
  const auth = as(admin.session.accessToken);

  const seen: string[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const res = await client.listUsers({ pageSize: 3, pageToken }, auth);
    t.true(res.users.length <= 3);
    seen.push(...res.users.map((u) => u.username));
    pageToken = res.nextPageToken;
    pages++;
  } while (pageToken !== "" && pages < 10);

  t.is(pages, 3);
  t.deepEqual([...seen].sort(), [...names].sort(), "every account exactly once");
  t.is(seen[0], "u0", "oldest first");
  t.is(new Set(seen).size, seen.length);
});

test("ListUsers uses 50 per page when page_size is 0", async (t) => {
  const { client } = await startAuth(t);
  const admin = await register(client, "boss");
  for (let i = 0; i < 51; i++) await register(client, `member${i}`);
  const first = await client.listUsers({}, as(admin.session.accessToken));
  t.is(first.users.length, 50);
  t.not(first.nextPageToken, "");
  const second = await client.listUsers(
    { pageToken: first.nextPageToken },
    as(admin.session.accessToken),
  );
  t.is(second.users.length, 2);
  t.is(second.nextPageToken, "");
});

test("ListUsers rejects malformed page tokens with invalid_argument", async (t) => {
  const { client } = await startAuth(t);
  const admin = await register(client, "chief");
  const auth = as(admin.session.accessToken);
  const forged = Buffer.from(JSON.stringify([2, 0, "x"])).toString("base64url");
  for (const pageToken of ["not base64!", "bm9wZQ", forged, "eyJ9"]) {
    const err = await rejection(() => client.listUsers({ pageToken }, auth));
    t.is(err.code, Code.InvalidArgument, pageToken);
    t.regex(err.rawMessage, /page_token/);
  }
  // A well-formed token issued by this service still works.
  const ok = await client.listUsers(
    { pageToken: encodePageToken({ createdAt: 0, id: "0" }) },
    auth,
  );
  t.is(ok.users.length, 1);
});

test("ListUsers needs an admin", async (t) => {
  const { client } = await startAuth(t);
  await register(client, "top");
  const member = await register(client, "low");
  t.is((await rejection(() => client.listUsers({}))).code, Code.Unauthenticated);
  t.is(
    (await rejection(() => client.listUsers({}, as(member.session.accessToken)))).code,
    Code.PermissionDenied,
  );
});

import {
  Code,
  ConnectError,
  type ConnectRouter,
  createClient,
  createRouterTransport,
} from "@connectrpc/connect";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import test from "ava";
import { createAuthInterceptor } from "../src/lib/auth-interceptor.js";
import { SessionManager } from "../src/lib/session-manager.js";
import { MemoryStore, stored } from "./support/sessions.js";

/**
 * Real generated clients over an in-memory Connect transport: the server side records the
 * Authorization header of each call and accepts only the tokens the test says are valid.
 */
function setup(now: number) {
  const seen: { method: string; authorization: string | null }[] = [];
  const valid = new Set(["access-1"]);
  let issued = 1;
  const spent = new Set<string>();
  const store = new MemoryStore();
  const routes = (router: ConnectRouter) => {
    router.service(MessagingService, {
      listChannels(_req, ctx) {
        const authorization = ctx.requestHeader.get("authorization");
        seen.push({ method: "ListChannels", authorization });
        if (!valid.has((authorization ?? "").replace("Bearer ", ""))) {
          throw new ConnectError("token rejected", Code.Unauthenticated);
        }
        return { channels: [] };
      },
    });
    router.service(AuthService, {
      refresh(req, ctx) {
        seen.push({ method: "Refresh", authorization: ctx.requestHeader.get("authorization") });
        if (spent.has(req.refreshToken)) {
          throw new ConnectError("your session has ended; sign in again", Code.Unauthenticated);
        }
        spent.add(req.refreshToken);
        issued++;
        valid.add(`access-${issued}`);
        return { session: { accessToken: `access-${issued}`, refreshToken: `refresh-${issued}` } };
      },
      logout(_req, ctx) {
        seen.push({ method: "Logout", authorization: ctx.requestHeader.get("authorization") });
        return {};
      },
    });
  };
  const plain = createClient(AuthService, createRouterTransport(routes));
  const session = new SessionManager({
    store,
    now: () => now,
    async refresh(refreshToken) {
      const res = await plain.refresh({ refreshToken });
      return {
        ...stored(0, now),
        accessToken: res.session?.accessToken ?? "",
        refreshToken: res.session?.refreshToken ?? "",
      };
    },
  });
  session.signIn(stored(1, now));
  const transport = createRouterTransport(routes, {
    transport: { interceptors: [createAuthInterceptor(session)] },
  });
  return {
    seen,
    valid,
    spent,
    session,
    messaging: createClient(MessagingService, transport),
    auth: createClient(AuthService, transport),
  };
}

test("calls carry the access token; public auth calls do not", async (t) => {
  const { seen, messaging, auth } = setup(1_000_000);
  await messaging.listChannels({});
  await auth.refresh({ refreshToken: "refresh-1" });
  t.deepEqual(seen, [
    { method: "ListChannels", authorization: "Bearer access-1" },
    { method: "Refresh", authorization: null },
  ]);
});

test("a call refused with unauthenticated is retried once after a transparent refresh", async (t) => {
  const { seen, valid, session, messaging } = setup(1_000_000);
  valid.delete("access-1"); // revoked early, though not expired by the clock
  await messaging.listChannels({});
  t.deepEqual(seen, [
    { method: "ListChannels", authorization: "Bearer access-1" },
    { method: "Refresh", authorization: null },
    { method: "ListChannels", authorization: "Bearer access-2" },
  ]);
  t.is(session.state.status === "signed-in" && session.state.session.refreshToken, "refresh-2");
});

test("when the refresh is refused too, the call fails and the session ends as expired", async (t) => {
  const { valid, spent, session, messaging, seen } = setup(1_000_000);
  valid.clear();
  spent.add("refresh-1"); // e.g. revoked by signing out elsewhere
  const err = await t.throwsAsync(messaging.listChannels({}));
  t.is(ConnectError.from(err).code, Code.Unauthenticated);
  t.deepEqual(session.state, { status: "signed-out", reason: "expired" });
  t.is(seen.filter((s) => s.method === "ListChannels").length, 1, "not retried without a session");
});

test("Logout carries the current token so auth can deny it at once", async (t) => {
  const { seen, auth } = setup(1_000_000);
  await auth.logout({ refreshToken: "refresh-1" });
  t.deepEqual(seen, [{ method: "Logout", authorization: "Bearer access-1" }]);
});

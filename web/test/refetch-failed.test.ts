import { Code, ConnectError } from "@connectrpc/connect";
import { QueryClient, QueryObserver, type QueryObserverResult } from "@tanstack/react-query";
import test from "ava";
import { refetchFailedQueries } from "../src/app/refetch-failed.js";

/** A query function that answers as `answer` says at each call, and counts its calls. */
function counted(answer: (call: number) => Promise<string>) {
  const fn = () => answer(++fn.calls);
  fn.calls = 0;
  return fn;
}

const unreachable = () => Promise.reject(new TypeError("Failed to fetch")); // connect: unknown
const refused = () => Promise.reject(new ConnectError("not a member", Code.PermissionDenied));

/** A query shown on screen (an observer), settled after its first fetch. */
async function shown(client: QueryClient, key: string, queryFn: () => Promise<string>) {
  const observer = new QueryObserver(client, { queryKey: [key], queryFn, staleTime: 0 });
  const unsubscribe = observer.subscribe(() => {});
  await client
    .getQueryCache()
    .find({ queryKey: [key] })
    ?.promise?.catch(() => undefined);
  return {
    get result(): QueryObserverResult<string> {
      return observer.getCurrentResult();
    },
    unsubscribe,
  };
}

test("only queries on screen whose fetch failed to reach Parley are fetched again", async (t) => {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const history = counted((call) => (call === 1 ? unreachable() : Promise.resolve("history")));
  const members = counted(async (call) => {
    if (call === 1) throw new ConnectError("restarting", Code.Unavailable);
    return "members";
  });
  const fine = counted(() => Promise.resolve("channels"));
  const forbidden = counted(refused);
  const unseen = counted(unreachable);
  const views = [
    await shown(client, "history", history),
    await shown(client, "members", members),
    await shown(client, "fine", fine),
    await shown(client, "forbidden", forbidden),
  ];
  await client.prefetchQuery({ queryKey: ["unseen"], queryFn: unseen });
  t.deepEqual(
    views.map((v) => v.result.status),
    ["error", "error", "success", "error"],
  );

  await refetchFailedQueries(client);

  t.is(history.calls, 2, "the history that failed is fetched again");
  t.is(members.calls, 2, "so are members that answered `unavailable`");
  t.is(views[0]?.result.data, "history");
  t.is(views[1]?.result.data, "members");
  t.is(fine.calls, 1, "a query that is fine is left alone (though stale)");
  t.is(forbidden.calls, 1, "a refusal would only be refused again");
  t.is(unseen.calls, 1, "a failed query nobody shows waits until it is shown");
  for (const view of views) view.unsubscribe();
});

test("a fetch already under way (Try again, the browser's `online`) is kept, not started over", async (t) => {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  let answer: (value: string) => void = () => {};
  const history = counted((call) => {
    if (call === 1) return Promise.resolve("history");
    if (call === 2) return unreachable(); // a reload (RESET) that failed: still shown, with the error
    return new Promise<string>((resolve) => {
      answer = resolve;
    });
  });
  const view = await shown(client, "history", history);
  await client.refetchQueries({ queryKey: ["history"] });
  t.like(view.result, { status: "error", data: "history" });
  const retrying = client.refetchQueries({ queryKey: ["history"] });
  t.is(history.calls, 3);
  const healing = refetchFailedQueries(client);
  t.is(history.calls, 3, "no second fetch");
  answer("history, newer");
  await Promise.all([retrying, healing]);
  t.like(view.result, { status: "success", data: "history, newer" }, "the first one's answer");
  view.unsubscribe();
});

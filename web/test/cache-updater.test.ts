import { QueryClient } from "@tanstack/react-query";
import test from "ava";
import { CacheUpdater } from "../src/app/cache-updater.js";

/** A fetch the test finishes by hand. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("a change made while the query is fetching is applied now and again to the fetch's result", async (t) => {
  const client = new QueryClient();
  const updater = new CacheUpdater(client);
  t.teardown(() => updater.dispose());
  const key = ["list"];
  client.setQueryData(key, ["a"]);
  const answer = deferred<string[]>();
  const fetching = client.fetchQuery({
    queryKey: key,
    queryFn: () => answer.promise,
    staleTime: 0,
  });
  await tick();
  // A live event arrives while the (older) answer is on its way.
  updater.update<string[]>(key, (items) => (items.includes("live") ? items : [...items, "live"]));
  t.deepEqual(client.getQueryData(key), ["a", "live"], "shown at once");
  answer.resolve(["a", "b"]); // read before the event happened: does not include it
  await fetching;
  await tick();
  t.deepEqual(client.getQueryData(key), ["a", "b", "live"], "not lost to the fetch");
});

test("queries nobody loaded are left alone; a failed fetch drops the pending change", async (t) => {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const updater = new CacheUpdater(client);
  t.teardown(() => updater.dispose());
  updater.update<string[]>(["never"], (items) => [...items, "x"]);
  t.is(client.getQueryData(["never"]), undefined);
  const answer = deferred<string[]>();
  const fetching = client
    .fetchQuery({
      queryKey: ["failing"],
      queryFn: () => answer.promise.then(() => Promise.reject(new Error("offline"))),
    })
    .catch(() => undefined);
  await tick();
  updater.update<string[]>(["failing"], (items) => [...items, "x"]);
  answer.resolve([]);
  await fetching;
  await tick();
  t.is(client.getQueryData(["failing"]), undefined);
  client.setQueryData(["failing"], ["fresh"]);
  await tick();
  t.deepEqual(client.getQueryData(["failing"]), ["fresh"], "nothing replayed later");
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { parse } from "yaml";
import {
  addressesOf,
  formatDiscovery,
  loadDiscovery,
  parseClientConfig,
  parseDiscovery,
  upstreamUrls,
} from "../src/index.js";

const LAYOUT = fileURLToPath(new URL("../local-mesh.yaml", import.meta.url));

test("the local mesh layout parses: Redis, auth, notifications, two messaging instances", (t) => {
  const layout = loadDiscovery(LAYOUT);
  t.is(layout.redisUrl, "redis://127.0.0.1:7400");
  t.deepEqual(addressesOf(layout, "auth"), ["https://127.0.0.1:7401"]);
  t.deepEqual(addressesOf(layout, "notifications"), ["https://127.0.0.1:7402"]);
  t.deepEqual(addressesOf(layout, "messaging"), [
    "https://127.0.0.1:7403",
    "https://127.0.0.1:7404",
  ]);
  t.deepEqual(addressesOf(layout, "voice"), []);
});

test("formatDiscovery writes what parseDiscovery reads back", (t) => {
  const discovery = parseDiscovery({
    redis: "redis://127.0.0.1:1",
    services: { auth: "https://127.0.0.1:2/", messaging: ["https://a:3", "https://b:4"] },
  });
  t.deepEqual(addressesOf(discovery, "auth"), ["https://127.0.0.1:2"], "one URL, trailing slash");
  const text = formatDiscovery(discovery, "generated\nby a test");
  t.true(text.startsWith("# generated\n# by a test\n"));
  const again = parseDiscovery(parse(text));
  t.deepEqual([...again.services], [...discovery.services]);
  t.is(again.redisUrl, discovery.redisUrl);
});

test("malformed discovery documents are refused with the offending entry", (t) => {
  const bad: [unknown, RegExp][] = [
    [[], /not a mapping/],
    [{ servces: {} }, /unknown key servces/],
    [{ redis: "http://x" }, /redis must be a redis/],
    [{ services: { Auth: ["https://a:1"] } }, /invalid service name "Auth"/],
    [{ services: { auth: [] } }, /services\.auth must be a URL or a non-empty list/],
    [
      { services: { auth: ["https://a:1/path"] } },
      /services\.auth: expected an http\(s\) base URL/,
    ],
    [{ services: { auth: ["ftp://a:1"] } }, /services\.auth: expected an http\(s\) base URL/],
  ];
  for (const [doc, message] of bad) {
    t.throws(() => parseDiscovery(doc, "f.yaml"), { message }, JSON.stringify(doc));
  }
});

test("client settings: defaults, every variable, and bad values reported together", async (t) => {
  const defaults = parseClientConfig({});
  t.is(defaults.discovery, undefined);
  t.deepEqual(defaults.resilience, {
    defaultTimeoutMs: 5_000,
    connectTimeoutMs: 2_000,
    retry: { maxAttempts: 3 },
    breaker: { failureThreshold: 5, halfOpenAfterMs: 5_000 },
  });

  const set = parseClientConfig({
    PARLEY_DISCOVERY_FILE: LAYOUT,
    PARLEY_CALL_TIMEOUT: "750ms",
    PARLEY_CONNECT_TIMEOUT: "1s",
    PARLEY_RETRY_ATTEMPTS: "1",
    PARLEY_BREAKER_FAILURES: "off",
  });
  t.is(set.discovery?.redisUrl, "redis://127.0.0.1:7400");
  t.deepEqual(set.resilience, {
    defaultTimeoutMs: 750,
    connectTimeoutMs: 1_000,
    retry: { maxAttempts: 1 },
    breaker: false,
  });

  const dir = await mkdtemp(join(tmpdir(), "parley-discovery-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const broken = join(dir, "broken.yaml");
  await writeFile(broken, "services:\n  auth: nope\n");
  const err = t.throws(() =>
    parseClientConfig({
      PARLEY_DISCOVERY_FILE: broken,
      PARLEY_CALL_TIMEOUT: "soon",
      PARLEY_RETRY_ATTEMPTS: "0",
      PARLEY_BREAKER_COOLDOWN: "1y",
    }),
  );
  t.regex(err.message, /PARLEY_DISCOVERY_FILE: .*broken\.yaml: services\.auth/);
  t.regex(err.message, /PARLEY_CALL_TIMEOUT/);
  t.regex(err.message, /PARLEY_RETRY_ATTEMPTS/);
  t.regex(err.message, /PARLEY_BREAKER_COOLDOWN/);
});

test("an upstream's URLs: the variable (comma-separated), else the discovery file, else the fallback", (t) => {
  const discovery = loadDiscovery(LAYOUT);
  const problems: string[] = [];
  t.deepEqual(
    upstreamUrls(
      { PARLEY_AUTH_URL: "https://a:1/, https://b:2" },
      discovery,
      "auth",
      "PARLEY_AUTH_URL",
      problems,
    ),
    ["https://a:1", "https://b:2"],
  );
  t.deepEqual(upstreamUrls({}, discovery, "auth", "PARLEY_AUTH_URL", problems), [
    "https://127.0.0.1:7401",
  ]);
  t.deepEqual(upstreamUrls({}, undefined, "auth", "PARLEY_AUTH_URL", problems, ["http://x:1"]), [
    "http://x:1",
  ]);
  t.deepEqual(problems, []);
  upstreamUrls(
    { PARLEY_AUTH_URL: "https://a:1,nope" },
    discovery,
    "auth",
    "PARLEY_AUTH_URL",
    problems,
  );
  t.is(problems.length, 1);
  t.regex(problems[0] ?? "", /PARLEY_AUTH_URL: expected http\(s\) URLs/);
});

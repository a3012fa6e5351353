import test from "ava";
import { accessOf, grantFor, parsePolicy } from "../src/policy/policy.js";

const policy = parsePolicy({
  rpcs: {
    "a.v1.S": { Open: "public", Mine: "user", Boss: "admin", Wire: "internal" },
    "b.v1.T": { "*": "user" },
  },
  services: {
    edge: ["public", "user", "admin"],
    worker: ["a.v1.S/Wire", "b.v1.T/*"],
  },
});

test("access comes from the method entry, or the service wildcard", (t) => {
  t.is(accessOf(policy, "a.v1.S", "Open"), "public");
  t.is(accessOf(policy, "b.v1.T", "Anything"), "user");
  t.is(accessOf(policy, "a.v1.S", "Unlisted"), undefined);
});

test("a service forwards the access classes it holds and never internal RPCs", (t) => {
  t.is(grantFor(policy, "edge", "a.v1.S", "Mine", "user"), "forward");
  t.is(grantFor(policy, "edge", "a.v1.S", "Wire", "internal"), "denied");
});

test("a service calls what it names on its own account", (t) => {
  t.is(grantFor(policy, "worker", "a.v1.S", "Wire", "internal"), "own");
  t.is(grantFor(policy, "worker", "b.v1.T", "Any", "user"), "own");
  t.is(grantFor(policy, "worker", "a.v1.S", "Open", "public"), "denied");
});

test("an identity the policy does not know is denied everything", (t) => {
  t.is(grantFor(policy, "stranger", "a.v1.S", "Open", "public"), "denied");
});

test("malformed policies are refused with the offending entry", (t) => {
  t.throws(() => parsePolicy({ rpcs: { "a.v1.S": { X: "everyone" } } }), {
    message: /a\.v1\.S\.X: unknown access "everyone"/,
  });
  t.throws(() => parsePolicy({ services: { edge: "public" } }), { message: /services\.edge/ });
  t.throws(() => parsePolicy("nope"), { message: /not a mapping/ });
});

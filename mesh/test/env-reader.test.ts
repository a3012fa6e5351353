import test from "ava";
import { createEnvReader } from "../src/index.js";

test("every bad value is reported, naming its variable, and readers still return the fallback", (t) => {
  const env = createEnvReader({
    A_DURATION: "soon",
    A_COUNT: "-3",
    A_RATE: "many",
    A_FLAG: "maybe",
    SHORT: "10ms",
  });
  t.is(env.duration("A_DURATION", "20s", 1000, 60_000), 20_000);
  t.is(env.count("A_COUNT", 7, 1, 10), 7);
  t.deepEqual(env.rate("A_RATE", "30/10s"), { limit: 30, windowMs: 10_000 });
  t.true(env.flag("A_FLAG", true));
  env.duration("SHORT", "1s", 1000, 5000);
  t.deepEqual(
    env.problems.map((p) => p.split(":")[0]),
    ["A_DURATION", "A_COUNT", "A_RATE", "A_FLAG", "SHORT"],
  );
  t.regex(env.problems[4] ?? "", /between 1s and 5s/);
});

test("good values and blanks: blank means unset", (t) => {
  const env = createEnvReader({ D: " 15m ", C: "42", R: "off", F: "no", BLANK: "  " });
  t.is(env.duration("D", "1s", 1, 3_600_000), 900_000);
  t.is(env.count("C", 1, 1, 100), 42);
  t.is(env.rate("R", "5/1s"), null);
  t.false(env.flag("F", true));
  t.is(env.read("BLANK"), undefined);
  t.is(env.duration("BLANK", "2s", 1, 10_000), 2000);
  t.deepEqual(env.problems, []);
});

import { parseOptions } from "@node-rs/argon2";
import test from "ava";
import { Argon2PasswordHasher, OWASP_ARGON2ID } from "../src/adapters/argon2-password-hasher.js";

test("production defaults are argon2id with OWASP parameters", async (t) => {
  const hasher = new Argon2PasswordHasher();
  const hash = await hasher.hash("correct horse battery staple");
  t.true(hash.startsWith("$argon2id$"));
  const used = parseOptions(hash);
  t.is(used.memoryCost, 19456);
  t.is(used.timeCost, 2);
  t.is(used.parallelism, 1);
  t.deepEqual({ ...OWASP_ARGON2ID }, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
  t.true(await hasher.verify(hash, "correct horse battery staple"));
  t.false(await hasher.verify(hash, "correct horse battery stapler"));
  t.false(hasher.needsRehash(hash));
});

test("the dummy hash uses the live parameters and matches no password", async (t) => {
  const hasher = new Argon2PasswordHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 });
  t.false(hasher.needsRehash(hasher.dummyHash));
  t.is(parseOptions(hasher.dummyHash).memoryCost, 64);
  t.false(await hasher.verify(hasher.dummyHash, ""));
  t.false(await hasher.verify(hasher.dummyHash, "password"));
});

test("hashes made with other parameters or malformed ones need a rehash", async (t) => {
  const cheap = new Argon2PasswordHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 });
  const stronger = new Argon2PasswordHasher({ memoryCost: 128, timeCost: 2, parallelism: 1 });
  const old = await cheap.hash("pw pw pw pw");
  t.true(stronger.needsRehash(old));
  t.true(await stronger.verify(old, "pw pw pw pw"), "old hashes still verify");
  t.true(stronger.needsRehash("not a hash"));
  t.false(await stronger.verify("not a hash", "pw"), "malformed stored hash is a mismatch");
});

test("every hash is salted", async (t) => {
  const hasher = new Argon2PasswordHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 });
  t.not(await hasher.hash("same password"), await hasher.hash("same password"));
});

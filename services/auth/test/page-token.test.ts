import test from "ava";
import { decodePageToken, encodePageToken } from "../src/page-token.js";

test("page tokens round-trip and look opaque", (t) => {
  const cursor = { createdAt: 1_893_456_000_000, id: "6f1c8a8e-1c2b-4a53-9d7e-2b1f0a9c3d4e" };
  const token = encodePageToken(cursor);
  t.regex(token, /^[A-Za-z0-9_-]+$/);
  t.false(token.includes(cursor.id));
  t.deepEqual(decodePageToken(token), cursor);
});

test("anything this service did not issue is rejected", (t) => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  for (const token of [
    "",
    "!!!",
    "abc=",
    b64({ createdAt: 1, id: "x" }),
    b64([2, 1, "x"]),
    b64([1, -1, "x"]),
    b64([1, 1.5, "x"]),
    b64([1, 1, ""]),
    b64([1, 1, "x".repeat(65)]),
    b64([1, "1", "x"]),
    Buffer.from("not json").toString("base64url"),
  ]) {
    t.is(decodePageToken(token), undefined, token);
  }
});

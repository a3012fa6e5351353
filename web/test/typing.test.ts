import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { MessagingEventSchema } from "@parley/gen/parley/messaging/v1/events_pb.js";
import test from "ava";
import type { Timers } from "../src/lib/timers.js";
import {
  applyTyping,
  expireTyping,
  NO_TYPING,
  nextTypingExpiry,
  TypingNotifier,
  typingSentence,
  typingUsers,
} from "../src/lib/typing.js";
import { CH, created, message, OTHER } from "./support/events.js";

function typing(userId: string, on: boolean, serverTime = 1_000, threadRootId = "") {
  return create(MessagingEventSchema, {
    channelId: CH,
    time: timestampFromMs(serverTime),
    payload: {
      case: "typing",
      value: { userId, typing: on, threadRootId, expiresAt: timestampFromMs(serverTime + 6_000) },
    },
  });
}

test("an indicator lasts as long as the server says, on the local clock, and ends with the message", (t) => {
  // The server's clock is far from ours: only the indicator's length (expires_at - time) counts.
  let state = applyTyping(NO_TYPING, typing(OTHER, true, 99_000_000), 50_000);
  t.deepEqual(typingUsers(state, CH), [OTHER]);
  t.is(nextTypingExpiry(state), 56_000);
  t.deepEqual(typingUsers(expireTyping(state, 55_999), CH), [OTHER]);
  t.deepEqual(typingUsers(expireTyping(state, 56_000), CH), []);
  state = applyTyping(state, created(3n, message({ seq: 3n, authorUserId: OTHER })), 51_000);
  t.deepEqual(typingUsers(state, CH), [], "their message ends it");
  state = applyTyping(state, typing("u2", true, 1_000, "root"), 51_000);
  t.deepEqual(typingUsers(state, CH), [], "a thread is its own conversation");
  t.deepEqual(typingUsers(state, CH, "root"), ["u2"]);
  state = applyTyping(state, typing("u2", false, 1_000, "root"), 51_000);
  t.is(state.size, 0);
});

test("typing sentences", (t) => {
  t.is(typingSentence([]), "");
  t.is(typingSentence(["Ada"]), "Ada is typing…");
  t.is(typingSentence(["Ada", "Bo"]), "Ada and Bo are typing…");
  t.is(typingSentence(["Ada", "Bo", "Cy"]), "Ada, Bo and Cy are typing…");
  t.is(typingSentence(["Ada", "Bo", "Cy", "Di"]), "Ada, Bo and 2 others are typing…");
});

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; at: number }>();
  let id = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      pending.set(++id, { fn, at: ms });
      return id;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  return {
    timers,
    pending,
    fireAll() {
      const fns = [...pending.values()];
      pending.clear();
      for (const p of fns) p.fn();
    },
  };
}

test("the notifier calls at most every 3 s while typing, and says stopped when the draft is cleared", (t) => {
  const calls: string[] = [];
  let now = 0;
  const clock = manualTimers();
  const notifier = new TypingNotifier((stopped) => calls.push(stopped ? "stopped" : "typing"), {
    now: () => now,
    timers: clock.timers,
  });
  notifier.input("h");
  now = 1_000;
  notifier.input("he");
  now = 2_999;
  notifier.input("hel");
  now = 3_000;
  notifier.input("hell");
  t.deepEqual(calls, ["typing", "typing"]);
  notifier.input("");
  t.deepEqual(calls, ["typing", "typing", "stopped"]);
  notifier.input("");
  t.is(calls.length, 3, "stopped once");
});

test("typing again right after sending is announced once the server takes calls again", (t) => {
  const calls: string[] = [];
  let now = 0;
  const clock = manualTimers();
  const notifier = new TypingNotifier((stopped) => calls.push(stopped ? "stopped" : "typing"), {
    now: () => now,
    timers: clock.timers,
  });
  notifier.input("first message");
  now = 500;
  notifier.sent(); // receivers end the indicator with the message
  now = 600;
  notifier.input("s");
  notifier.input("se");
  t.deepEqual(calls, ["typing"], "the server would absorb a call now");
  t.is(clock.pending.size, 1, "one deferred call");
  t.is([...clock.pending.values()][0]?.at, 1_500, "when 2.1 s have passed since the last call");
  now = 2_100;
  clock.fireAll();
  t.deepEqual(calls, ["typing", "typing"]);
});

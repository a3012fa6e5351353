import { join } from "node:path";
import test from "ava";
import { OUTBOX_GIVE_UP_MS, OUTBOX_LEASE_MS, retryDelayMs } from "../src/notification-relay.js";
import type { Notifier } from "../src/ports.js";
import {
  createChannel,
  RecordingNotifier,
  send,
  startMessaging,
  tempDir,
  testConfig,
} from "./helpers/harness.js";

test("a notification the notifications service could not take is retried until it can, and sent once", async (t) => {
  const h = await startMessaging(t);
  const ada = h.person("ada");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, ada, "general", { members: [bob] });
  await h.messaging.notificationsSent();
  h.notifier.sent.length = 0;

  h.notifier.down = true;
  const message = await send(h.client, ada, channel.id, "@bob are you there?");
  await h.messaging.notificationsSent();
  t.is(h.notifier.calls, 2, "tried once (after the invite)");
  t.deepEqual(h.notifier.sent, []);
  t.true(
    h.logger.lines.some((l) => l.message === "notifications not delivered yet: will retry"),
    "the failure is logged",
  );

  // Not due again before its wait.
  h.clock.advance(retryDelayMs(0) - 1);
  await h.messaging.notificationsSent();
  t.is(h.notifier.calls, 2);

  h.notifier.down = false;
  h.clock.advance(1);
  await h.messaging.notificationsSent();
  t.deepEqual(
    h.notifier.sent.map((n) => [n.kind, n.messageId, n.recipientIds]),
    [["mention", message.id, [bob.id]]],
  );

  // Sent: forgotten, never sent again.
  h.clock.advance(OUTBOX_GIVE_UP_MS);
  await h.messaging.notificationsSent();
  t.is(h.notifier.sent.length, 1);
});

test("notifications held by an instance that stopped before sending them are sent by another", async (t) => {
  const config = testConfig({ dataDir: join(tempDir(t), "messaging") });
  // Instance A takes the notification and never hears back: as if it died mid-call.
  let taken = () => {};
  const takenByA = new Promise<void>((resolve) => {
    taken = resolve;
  });
  const hanging: Notifier = {
    notify: () => {
      taken();
      return new Promise<void>(() => {});
    },
  };
  const h = await startMessaging(t, { config, extra: { notifier: hanging } });
  const recorded = new RecordingNotifier();
  const b = await h.instance({ notifier: recorded });
  const ada = h.person("ada");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, ada, "general");
  await b.client.joinChannel({ channelId: channel.id }, bob.call);
  const message = await send(h.client, ada, channel.id, "hello @bob");
  await takenByA;
  await h.messaging.close();

  // Instance B leaves it alone while A's hold lasts…
  await b.messaging.notificationsSent();
  t.deepEqual(recorded.sent, []);
  // …and sends it once the hold has run out.
  h.clock.advance(OUTBOX_LEASE_MS);
  await b.messaging.notificationsSent();
  t.deepEqual(
    recorded.sent.map((n) => [n.kind, n.messageId, n.recipientIds]),
    [["mention", message.id, [bob.id]]],
  );
});

test("a message deleted before its notification went out notifies no one", async (t) => {
  const h = await startMessaging(t);
  const ada = h.person("ada");
  const bob = h.person("bob");
  const channel = await createChannel(h.client, ada, "general");
  await h.client.joinChannel({ channelId: channel.id }, bob.call);
  h.notifier.down = true;
  const message = await send(h.client, ada, channel.id, "@bob oops, wrong channel");
  await h.messaging.notificationsSent();
  await h.client.deleteMessage({ channelId: channel.id, messageId: message.id }, ada.call);

  h.notifier.down = false;
  h.clock.advance(retryDelayMs(0));
  await h.messaging.notificationsSent();
  t.deepEqual(h.notifier.sent, []);
});

test("a notification still undelivered a day after its message is dropped, and logged as an error", async (t) => {
  const h = await startMessaging(t);
  const ada = h.person("ada");
  const bob = h.person("bob");
  const dm = await h.client.openDirectChannel({ userIds: [bob.id] }, ada.call);
  const channelId = dm.channel?.channel?.id ?? "";
  h.notifier.down = true;
  await send(h.client, ada, channelId, "ping");
  await h.messaging.notificationsSent();
  const start = h.clock.now();
  while (h.clock.now() - start < OUTBOX_GIVE_UP_MS) {
    h.clock.advance(retryDelayMs(20));
    await h.messaging.notificationsSent();
  }
  const dropped = h.logger.lines.filter((l) => l.level === "error");
  t.deepEqual(
    dropped.map((l) => l.message),
    ["notification dropped: still not delivered a day after its change"],
  );
  // Tried with growing waits (5 s, 10 s, … 10 min), not on every poll.
  t.true(h.notifier.calls > 100 && h.notifier.calls < 200, `${h.notifier.calls} tries`);

  h.notifier.down = false;
  h.clock.advance(retryDelayMs(20));
  await h.messaging.notificationsSent();
  t.deepEqual(h.notifier.sent, []);
});

test("the wait between tries doubles from 5 s up to 10 min", (t) => {
  t.deepEqual(
    [0, 1, 2, 3, 6, 7, 50].map(retryDelayMs),
    [5_000, 10_000, 20_000, 40_000, 320_000, 600_000, 600_000],
  );
});

test("two claims never hold the same owed notification; a retry is due only at its time", async (t) => {
  const h = await startMessaging(t);
  const ada = h.person("ada");
  const bob = h.person("bob");
  const { outbox } = h.messaging.store;
  h.notifier.down = true;
  await createChannel(h.client, ada, "general", { members: [bob] });
  await h.messaging.notificationsSent();

  const now = h.clock.now() + retryDelayMs(0);
  const first = await outbox.claim(now, 10, OUTBOX_LEASE_MS);
  t.deepEqual(
    first.map((o) => [o.intent.kind, o.attempts]),
    [["invite", 1]],
  );
  t.deepEqual(await outbox.claim(now, 10, OUTBOX_LEASE_MS), [], "held by the first claim");
  t.is(
    (await outbox.claim(now + OUTBOX_LEASE_MS, 10, OUTBOX_LEASE_MS)).length,
    1,
    "until its hold ends",
  );

  const id = first[0]?.id ?? -1;
  await outbox.settle([], [{ id, at: now + 1_000 }]);
  t.deepEqual(await outbox.claim(now + 999, 10, OUTBOX_LEASE_MS), []);
  t.deepEqual(
    (await outbox.claim(now + 1_000, 10, OUTBOX_LEASE_MS)).map((o) => o.attempts),
    [2],
  );
  await outbox.settle([id], []);
  t.deepEqual(await outbox.claim(now + OUTBOX_GIVE_UP_MS, 10, OUTBOX_LEASE_MS), []);
});

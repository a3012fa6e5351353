import test from "ava";
import type { Page, Route } from "playwright-core";
import {
  ConsoleGuard,
  launchBrowser,
  newPerson,
  screenshot,
  withFailureScreenshots,
} from "./support/browser.js";
import { PASSWORD, registerInPage, startWebServer } from "./support/web-app.js";

/** The messages list of the open channel. */
function messages(page: Page, channel: string) {
  return page.getByRole("list", { name: `Messages in ${channel}` });
}

/** One message (list item) by its text. */
function message(page: Page, channel: string, text: string | RegExp) {
  return messages(page, channel).getByRole("listitem").filter({ hasText: text });
}

async function send(page: Page, text: string) {
  const box = page.getByRole("textbox", { name: /^Message / });
  await box.fill(text);
  await box.press("Enter");
}

/** What a message shows while it is not sent yet. */
const NOT_SENT = /Sending…|Not sent yet/;

/** The pending messages the page keeps in localStorage, as `<text> <idempotency key>`. */
function keptMessages(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .filter((name) => name.startsWith("parley.pending."))
      .flatMap((name) => JSON.parse(localStorage.getItem(name) ?? "{}").messages ?? [])
      .map((m: { text: string; key: string }) => `${m.text} ${m.key}`),
  );
}

const SUBSCRIBE = /\/parley\.messaging\.v1\.MessagingService\/Subscribe$/;
const SEND_MESSAGE = /\/parley\.messaging\.v1\.MessagingService\/SendMessage$/;
/** Every API call (the page and its assets are not matched). */
const API = /\/parley\.[a-z]+\.v1\.[A-Za-z]+Service\/[A-Za-z]+$/;

test("two people chat in real browsers: register, channel, live messages both ways, edit, delete, reaction, thread, typing, reload, offline and back, pending messages kept through a reload, DM, unread, keyboard, a failed history loading by itself once Parley is back, phone width", async (t) => {
  t.timeout(5 * 60_000);
  const { baseUrl } = await startWebServer(t);
  const browser = await launchBrowser(t);
  const guard = new ConsoleGuard();
  const alice = await newPerson(browser, guard, "alice");
  const bob = await newPerson(browser, guard, "bob");
  for (const { context } of [alice, bob]) context.setDefaultTimeout(20_000);
  const a = alice.page;
  const b = bob.page;
  await withFailureScreenshots({ alice: a, bob: b }, async () => {
    // Sign-in screen.
    await a.goto(baseUrl);
    await a.getByRole("heading", { name: "Sign in" }).waitFor();
    t.true(await a.getByLabel("Username or email").evaluate((el) => el === document.activeElement));
    await screenshot(a, "01-sign-in");

    // A field violation from the server is shown next to its field.
    await b.goto(baseUrl);
    await b.getByRole("button", { name: "Create an account" }).click();
    await b.getByLabel("Username", { exact: true }).fill("bob");
    await b.getByLabel("Display name").fill("Bob");
    await b.getByLabel("Email").fill("bob@example.com");
    await b.getByLabel("Password").fill("short");
    await guard.allowNetworkErrors(async () => {
      await b.getByRole("button", { name: "Create account" }).click();
      await b.getByText("Must be at least 8 characters.").waitFor();
    });
    const password = b.getByLabel("Password");
    t.is(await password.getAttribute("aria-invalid"), "true");
    const describedBy = (await password.getAttribute("aria-describedby")) ?? "";
    t.is(
      (await b.locator(`[id="${describedBy}"]`).textContent())?.trim(),
      "Must be at least 8 characters.",
      "the error is tied to the password field",
    );
    t.true(await password.evaluate((el) => el === document.activeElement), "focus moves to it");
    await screenshot(b, "02-register-field-error");
    await password.fill(PASSWORD);
    await b.getByRole("button", { name: "Create account" }).click();
    await b.getByRole("navigation", { name: "Channels and direct messages" }).waitFor();

    await registerInPage(a, baseUrl, "alice");

    // Alice creates #general; Bob finds and joins it.
    await a.getByRole("button", { name: "Create a channel" }).click();
    const create = a.getByRole("dialog", { name: "Create a channel" });
    await create.getByLabel("Name").fill("General");
    t.is(await create.getByLabel("Name").inputValue(), "general", "names are lower-cased as typed");
    await create.getByLabel("Topic").fill("Anything goes");
    await create.getByRole("button", { name: "Create channel" }).click();
    await a.getByRole("heading", { name: "general", level: 1 }).waitFor();

    await b.getByRole("button", { name: "Browse channels" }).click();
    const browse = b.getByRole("dialog", { name: "Browse channels" });
    await browse.getByRole("button", { name: "Join general" }).waitFor();
    // Searching: one search when typing pauses, not one per keystroke; what matched stays listed
    // meanwhile, and "No channel matches." comes only with the answer.
    const searches: string[] = [];
    const countSearch = (request: { url(): string }) => {
      if (request.url().endsWith("/ListPublicChannels")) searches.push(request.url());
    };
    b.on("request", countSearch);
    const search = browse.getByLabel("Search public channels");
    // 12 keys, 20 ms apart: one search (a few, should the machine stall), never one per key.
    await search.pressSequentially("z".repeat(12), { delay: 20 });
    await browse.getByText("No channel matches.").waitFor();
    b.off("request", countSearch);
    t.true(searches.length >= 1 && searches.length <= 4, `${searches.length} searches for 12 keys`);
    await search.fill("gen");
    await browse.getByRole("button", { name: "Join general" }).click();
    await b.getByRole("heading", { name: "general", level: 1 }).waitFor();

    // Live both ways.
    await send(a, "Hello Bob!");
    await message(b, "#general", "Hello Bob!").waitFor();
    await send(b, "Hi Alice 👋");
    await message(a, "#general", "Hi Alice 👋").waitFor();
    t.is(await message(a, "#general", "Hello Bob!").count(), 1);
    t.is(await message(b, "#general", "Hi Alice 👋").count(), 1);

    // Typing indicator.
    await b
      .getByRole("textbox", { name: /^Message / })
      .pressSequentially("I am typ", { delay: 30 });
    await a.getByText("Bob is typing…").waitFor();
    await b.getByRole("textbox", { name: /^Message / }).fill("");
    await a.getByText("Bob is typing…").waitFor({ state: "hidden" });

    // Edit: Bob sees the new text, marked edited.
    const hello = message(a, "#general", "Hello Bob!");
    await hello.hover();
    await hello.getByRole("button", { name: "Edit message" }).click();
    const editBox = a.getByRole("textbox", { name: "Edit message" });
    await editBox.fill("Hello Bob, welcome!");
    await editBox.press("Enter");
    const edited = message(b, "#general", "Hello Bob, welcome!");
    await edited.waitFor();
    t.regex((await edited.textContent()) ?? "", /\(edited\)/);

    // Reaction: Bob reacts, Alice sees it.
    await edited.hover();
    await edited.getByRole("button", { name: "Add reaction" }).click();
    await b.getByRole("button", { name: "React with thumbs up" }).click();
    const reaction = message(a, "#general", "Hello Bob, welcome!").getByRole("button", {
      name: "👍 1",
    });
    await reaction.waitFor();
    t.is(await reaction.getAttribute("aria-pressed"), "false", "not Alice's own reaction");
    t.is(
      await message(b, "#general", "Hello Bob, welcome!")
        .getByRole("button", { name: "👍 1" })
        .getAttribute("aria-pressed"),
      "true",
    );

    // Delete: Bob sees the tombstone.
    await send(a, "oops, wrong channel");
    await message(b, "#general", "oops, wrong channel").waitFor();
    const oops = message(a, "#general", "oops, wrong channel");
    await oops.hover();
    await oops.getByRole("button", { name: "Delete message" }).click();
    await a
      .getByRole("dialog", { name: "Delete this message?" })
      .getByRole("button", { name: "Delete" })
      .click();
    await message(b, "#general", "This message was deleted.").waitFor();
    t.is(await message(b, "#general", "oops, wrong channel").count(), 0);

    // Thread: Bob replies, Alice sees the reply count and opens the thread.
    const root = message(b, "#general", "Hello Bob, welcome!");
    await root.hover();
    await root.getByRole("button", { name: "Reply in thread" }).click();
    const reply = b.getByRole("textbox", { name: "Reply in thread" });
    await reply.fill("Thanks, glad to be here");
    await reply.press("Enter");
    await b
      .getByRole("list", { name: "Replies in thread" })
      .getByText("Thanks, glad to be here")
      .waitFor();
    const summary = message(a, "#general", "Hello Bob, welcome!").getByRole("button", {
      name: /1 reply/,
    });
    await summary.click();
    const thread = a.getByRole("complementary", { name: "Thread" });
    await thread.getByText("Thanks, glad to be here").waitFor();
    await screenshot(a, "04-thread");
    await thread.getByRole("button", { name: "Close thread" }).click();
    // Members, with presence in words as well as a dot.
    await a.getByRole("button", { name: /2 members/ }).click();
    const members = a.getByRole("dialog", { name: "Members of #general" });
    await members
      .getByRole("listitem")
      .filter({ hasText: "Bob" })
      .getByText("@bob · online")
      .waitFor();
    t.regex(
      (await members.getByRole("listitem").filter({ hasText: "(you)" }).textContent()) ?? "",
      /Alice.*owner/,
    );
    await members.getByRole("button", { name: "Close" }).last().click();
    await thread.waitFor({ state: "detached" });
    await screenshot(a, "03-channel");

    // A reload keeps the session (and the open channel).
    await a.reload();
    await message(a, "#general", "Hi Alice 👋").waitFor();
    t.is(await a.getByRole("heading", { name: "Sign in" }).count(), 0);

    // Offline and back: Bob sees "Reconnecting…", then everything sent meanwhile, once; what he
    // wrote offline is delivered when he is back.
    await guard.allowNetworkErrors(async () => {
      await bob.context.setOffline(true);
      await b.getByText("Reconnecting…", { exact: true }).waitFor();
      await send(a, "Sent while you were away");
      await message(a, "#general", "Sent while you were away").waitFor();
      await send(b, "Written offline");
      await message(b, "#general", "Written offline")
        .getByText(/Sending…|Not sent yet/)
        .waitFor();
      await bob.context.setOffline(false);
      await message(b, "#general", "Sent while you were away").waitFor();
      await b.getByText("Reconnecting…", { exact: true }).waitFor({ state: "hidden" });
      await message(a, "#general", "Written offline").waitFor();
    });
    t.is(await message(b, "#general", "Sent while you were away").count(), 1);
    t.is(await message(a, "#general", "Written offline").count(), 1, "sent once, same key");
    await message(b, "#general", "Written offline")
      .getByText(/Sending…|Not sent yet/)
      .waitFor({ state: "detached" });

    // Pending messages are kept through a reload (localStorage, under their idempotency keys):
    // Bob writes two offline; back online, the stream cannot reconnect and the first one reaches
    // the server but its answer is lost; he reloads while SendMessage still fails. After the reload
    // the first shows once (the history has it, under its key) and the second is still pending;
    // when Parley is back it goes out. The server holds each once, in order.
    const first = "Kept through a reload, 1";
    const second = "Kept through a reload, 2";
    let reachServer = true;
    const answerLost = async (route: Route) => {
      if (reachServer) await route.fetch(); // stored by the server…
      await route.abort("connectionreset"); // …but the answer never comes back
    };
    const refused = (route: Route) => route.abort("connectionreset");
    await guard.allowNetworkErrors(async () => {
      await bob.context.setOffline(true);
      await b.getByText("Reconnecting…", { exact: true }).waitFor();
      await send(b, first);
      await send(b, second);
      await message(b, "#general", second).getByText(NOT_SENT).waitFor();
      await b.route(SUBSCRIBE, refused);
      await b.route(SEND_MESSAGE, answerLost);
      await bob.context.setOffline(false);
      await message(a, "#general", first).waitFor(); // stored, Bob never heard back
      reachServer = false;
      const kept = await keptMessages(b);
      t.deepEqual(
        kept.map((m) => m.slice(0, first.length)),
        [first, second],
      );
      await b.unroute(SUBSCRIBE, refused);
      await b.reload();
      await message(b, "#general", second).getByText(NOT_SENT).waitFor();
      await message(b, "#general", first).waitFor();
      await message(b, "#general", first).getByText(NOT_SENT).waitFor({ state: "detached" });
      t.is(await message(b, "#general", first).count(), 1, "in the history once, not also pending");
      t.deepEqual(await keptMessages(b), kept.slice(1), "the second kept under the same key");
      await b.unroute(SEND_MESSAGE, answerLost);
      await bob.context.setOffline(true);
      await bob.context.setOffline(false);
      await message(a, "#general", second).waitFor();
      await message(b, "#general", second).getByText(NOT_SENT).waitFor({ state: "detached" });
    });
    t.deepEqual(await keptMessages(b), []);
    await a.reload(); // what the server holds
    await message(a, "#general", second).waitFor();
    t.deepEqual(
      await messages(a, "#general")
        .getByRole("listitem")
        .filter({ hasText: "Kept through a reload" })
        .evaluateAll((items) => items.map((li) => li.textContent?.match(/reload, \d/)?.[0])),
      ["reload, 1", "reload, 2"],
      "each once, in the order written",
    );

    // A direct message, with an unread badge for Alice while she is elsewhere.
    await b.getByRole("button", { name: "New direct message" }).click();
    const dm = b.getByRole("dialog", { name: "New direct message" });
    await dm.getByLabel("Username").fill("alice");
    await dm.getByRole("button", { name: "Open conversation" }).click();
    await b.getByRole("heading", { name: "Alice", level: 1 }).waitFor();
    await send(b, "psst, a secret");
    const dmLink = a.getByRole("link", { name: /Bob.*1 unread/ });
    await dmLink.waitFor();
    await dmLink.click();
    await message(a, "Bob", "psst, a secret").waitFor();
    await a.getByRole("link", { name: /Bob.*unread/ }).waitFor({ state: "detached" });
    // Bob writes in #general while Alice reads the DM: #general gets a badge.
    await b.getByRole("link", { name: "general" }).click();
    await send(b, "back in general");
    await a.getByRole("link", { name: /general.*1 unread/ }).waitFor();
    await screenshot(a, "05-direct-message-and-unread");

    // Keyboard only: from a fresh page, Tab to the channel, Enter opens it with the focus in
    // the message box, Enter sends.
    await a.goto(baseUrl);
    await a.getByRole("navigation", { name: "Channels and direct messages" }).waitFor();
    let onChannel = false;
    for (let i = 0; i < 15 && !onChannel; i++) {
      await a.keyboard.press("Tab");
      onChannel = await a.evaluate(
        () =>
          document.activeElement?.tagName === "A" &&
          document.activeElement.textContent?.startsWith("general") === true,
      );
    }
    t.true(onChannel, "the channel link is reachable with Tab");
    await a.keyboard.press("Enter");
    await a.getByRole("heading", { name: "general", level: 1 }).waitFor();
    await a.waitForFunction(() => document.activeElement?.id === "composer");
    await a.keyboard.type("Typed with the keyboard only");
    await a.keyboard.press("Enter");
    await message(b, "#general", "Typed with the keyboard only").waitFor();
    t.is(await a.getByRole("link", { name: /general.*unread/ }).count(), 0, "read on arrival");

    // Parley unreachable while the browser stays online (a restart, an outage it does not
    // notice): Alice's stream ends, its reconnect hangs and every other call fails. The DM she
    // opens meanwhile (not loaded since the fresh page above) shows its error. When Parley
    // answers again the stream comes back and the history loads by itself, without Try again.
    const held: Route[] = [];
    const unreachable = (route: Route) =>
      SUBSCRIBE.test(route.request().url())
        ? void held.push(route)
        : route.abort("connectionreset");
    await guard.allowNetworkErrors(async () => {
      await a.route(API, unreachable);
      // Offline for a moment only to end the open stream at once. The browser is online again
      // before the history fails, so TanStack Query's own refetch on `online` cannot heal it.
      await alice.context.setOffline(true);
      await a.getByText("Reconnecting…", { exact: true }).waitFor();
      await alice.context.setOffline(false);
      await a.getByRole("link", { name: /Bob/ }).click();
      await a.getByRole("heading", { name: "Bob", level: 1 }).waitFor();
      await a.getByRole("alert").filter({ hasText: "Can't reach Parley" }).waitFor();
      t.is(await message(a, "Bob", "psst, a secret").count(), 0);
      t.true(await a.getByText("Reconnecting…", { exact: true }).isVisible());
      await a.unroute(API, unreachable);
      for (const route of held) await route.continue().catch(() => undefined); // Parley is back
      await a.getByText("Reconnecting…", { exact: true }).waitFor({ state: "hidden" });
      await message(a, "Bob", "psst, a secret").waitFor();
      await a.getByRole("button", { name: "Try again" }).waitFor({ state: "detached" });
    });
    await a.getByRole("link", { name: "general" }).click();

    // Phone width: one pane at a time, nothing wider than the screen.
    await a.setViewportSize({ width: 360, height: 740 });
    await message(a, "#general", "Typed with the keyboard only").waitFor();
    t.false(await a.getByRole("navigation", { name: "Channels and direct messages" }).isVisible());
    t.true(await a.getByRole("button", { name: "Back to channels" }).isVisible());
    t.true(
      await a.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      "no horizontal scrolling at 360 px",
    );
    await screenshot(a, "06-phone-channel");
    await a.getByRole("button", { name: "Back to channels" }).click();
    await a.getByRole("navigation", { name: "Channels and direct messages" }).waitFor();
    t.true(await a.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await screenshot(a, "07-phone-channels");

    // Bob leaves #general: it goes from his list, and Alice sees one member.
    await b.getByRole("link", { name: "general" }).click();
    await b.getByRole("button", { name: /2 members/ }).click();
    await b
      .getByRole("dialog", { name: "Members of #general" })
      .getByRole("button", { name: "Leave channel" })
      .click();
    await b.getByRole("link", { name: "general" }).waitFor({ state: "detached" });
    await a.getByRole("link", { name: "general" }).click();
    await a.getByRole("button", { name: /1 member/ }).waitFor();
  });
  guard.assertClean(t);
});

// The in-app inbox (issue 12) in a real headless Chromium against the real gateway, kepud and
// Redis: every role's home has the bell; the resident's badge rises when the community worker
// asks her a question (RequestInfo) — live, without a reload, within 15 s (this needs
// NotificationService.WatchNotifications; without it the app reads the count every 30 s and
// this wait fails); the bell opens the inbox, the item is marked 待办 and opens the order.
// axe-core (clients/mobile's dev dependency, injected from its file: nothing is fetched) checks
// the inbox and the alert settings, also in elderly mode.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, afterEach, beforeAll, describe, test } from "vitest";
import { DispatchService } from "../gen/kepu/v1/dispatch_pb.js";
import { OrderService } from "../gen/kepu/v1/orders_pb.js";
import { client, login, requestId } from "../harness/connect.js";
import { COMMUNITY, draft, window as timeWindow } from "../harness/drafts.js";
import { World } from "../harness/world.js";
import { type Person, Phones, mobileDist } from "./support/phone.js";
import { smallTargets, smallText } from "./support/measure.js";

const here = dirname(fileURLToPath(import.meta.url));
const AXE = resolve(here, "../../../clients/mobile/node_modules/axe-core/axe.min.js");
// How long the resident waits for the badge to rise (the watch; the 30 s fallback is slower).
const BADGE_WAIT = 15_000;

let world: World;
let phones: Phones;
let resident: Person;
let orderId = "";
let unreadBefore = 0;

beforeAll(async () => {
  const dist = mobileDist();
  if (!existsSync(join(dist, "index.html"))) {
    throw new Error(`no built mobile client at ${dist}: run \`npm run build\` in clients/mobile or set KEPU_MOBILE_DIST`);
  }
  if (!existsSync(AXE)) throw new Error(`no axe-core at ${AXE}: run \`npm ci\` in clients/mobile`);
  world = await World.start({ httpRoot: dist });
  phones = await Phones.open(world.baseUrl);
}, 150_000);

afterEach(async (context) => {
  if (context.task.result?.state === "fail") {
    console.error(`--- what each person saw ---\n${await phones?.describeAll()}`);
    console.error(`--- kepud output (last lines) ---\n${world?.logs(80)}`);
  }
});

afterAll(async () => {
  // An index of its own (four_roles.test.ts writes screenshots.txt in the same folder).
  if (phones) writeFileSync(join(phones.artifacts, "inbox-screenshots.txt"), `${phones.shots.join("\n")}\n`);
  await phones?.close();
  await world?.stop();
}, 60_000);

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; html: string }[] }

// axe-core on the person's current screen; fails naming every violation.
async function axe(p: Phones, person: Person, what: string): Promise<void> {
  const { page } = person;
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.addScriptTag({ content: readFileSync(AXE, "utf8") });
  }
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (c: Document) => Promise<{ violations: AxeViolation[] }> } })
      .axe.run(document);
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 160) })),
    }));
  });
  const report = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n      ${v.nodes.map((n) => `${n.target.join(" ")} ${n.html}`).join("\n      ")}`).join("\n    ");
  if (violations.length) console.error(`axe-core on ${what}:\n    ${report}`);
  await p.expect(person, violations.length === 0, `${what} pass axe-core (${violations.map((v) => v.id).join(", ")})`, report);
}

async function unread(person: Person): Promise<number> {
  return Number(await person.page.getByTestId("nav-bell").getAttribute("data-unread"));
}

describe.sequential("the inbox", () => {
  test("every role's home has the bell, labelled with its count and big enough to press, and passes axe-core", async () => {
    const p = phones;
    const homes: [string, Parameters<World["account"]>, string][] = [
      ["resident", ["resident"], "/r/orders"],
      ["community worker", ["worker", COMMUNITY], "/w/queue"],
      ["department clerk", ["department", "minzheng"], "/d/pool"],
      ["team leader", ["leader", "rencheng-smart-elderly"], "/l/offers"],
      ["volunteer", ["volunteer"], "/v/me"],
    ];
    for (const [role, args, home] of homes) {
      const account = world.account(...args);
      const person = await p.phone(`${role} ${account.name}`);
      await p.signIn(person, account, home);
      const bell = person.page.getByTestId("nav-bell");
      await p.see(person, bell, `the bell on their home ${home}`);
      await p.seeThat(person, "the bell labelled 通知 with its count", () => {
        const b = document.querySelector("[data-testid=nav-bell]");
        return !!b && /^通知(，\d+ 条未读)?$/.test(b.getAttribute("aria-label") ?? "");
      });
      const box = await bell.boundingBox();
      await p.expect(person, !!box && box.width >= 44 && box.height >= 44, "a bell at least 44×44 px", JSON.stringify(box));
      // Each home passes axe-core, plain and in elderly mode.
      await axe(p, person, `the ${role}'s home ${home}`);
      await person.page.getByTestId("nav-elderly").click();
      await axe(p, person, `the ${role}'s home ${home} in elderly mode`);
      await person.page.getByTestId("nav-elderly").click();
      if (role === "resident") resident = person;
      else await person.context.close();
    }
    p.people.splice(0, p.people.length, resident);
    await p.shot(resident, "inbox-01-resident-home-bell");
  });

  test("the resident's badge rises when the community worker asks her a question (RequestInfo)", async () => {
    const p = phones;
    const residentAccount = world.account("resident");
    const workerAccount = world.account("worker", COMMUNITY);
    // The order, placed through the API (the order form has its own test).
    const session = await login(world, residentAccount.phone, residentAccount.password);
    const { start, end } = timeWindow(9);
    const order = await client(world, OrderService, { token: session.token }).createOrder({
      requestId: requestId("inbox"),
      draft: draft({ preferredWindows: [{ start: timestampFromDate(start), end: timestampFromDate(end) }] }),
    });
    orderId = order.id;

    const r = resident.page;
    await r.goto("/r/orders");
    await p.see(resident, r.getByTestId(`order-card-${orderId}`), "the new order in 我的订单");
    await p.see(resident, r.getByTestId("nav-bell"), "the bell");
    unreadBefore = await unread(resident);

    // The worker asks on their own phone.
    const worker = await p.phone(`community worker ${workerAccount.name}`);
    const w = worker.page;
    await p.signIn(worker, workerAccount, "/w/queue");
    await w.goto(`/w/orders/${orderId}`);
    await p.see(worker, w.getByTestId("action-ask"), "the 补充信息 action on the order");
    await w.getByTestId("action-ask").click();
    await w.getByTestId("ask-reason").fill("请补充具体的讲座时间和参加人数");
    await w.getByTestId("ask-submit").click();
    await p.see(worker, w.locator("[data-testid=order-state][data-state=NEEDS_INFO]"), "the order waiting for the resident (NEEDS_INFO)");

    // The resident's open screen: the badge rises without a reload.
    const expected = unreadBefore + 1;
    try {
      await r.waitForFunction(
        (n) => Number(document.querySelector("[data-testid=nav-bell]")?.getAttribute("data-unread")) >= n,
        expected,
        { timeout: BADGE_WAIT, polling: 100 },
      );
    } catch (error) {
      const live = await r.getByTestId("nav-bell").getAttribute("data-live");
      throw await p.notSeen(
        resident,
        `the bell's badge rise to ${expected} within ${BADGE_WAIT / 1000} s (watch live: ${live}; ` +
          "without WatchNotifications the app only reads the count every 30 s or when the page gets focus)",
        error,
      );
    }
    await p.see(resident, r.getByTestId("nav-bell-badge"), "the red badge on the bell");
    // Whether it came over the watch (data-live) or a fallback read of the count.
    console.info(`badge rose ${unreadBefore} → ${await unread(resident)}; watch live: ${await r.getByTestId("nav-bell").getAttribute("data-live")}`);
    await p.shot(resident, "inbox-02-badge-risen");
    await worker.context.close();
    p.people.splice(p.people.indexOf(worker), 1);
  });

  test("the bell opens the inbox; the item is 待办, opens that order and is read after", async () => {
    const p = phones;
    const r = resident.page;
    // Independent of the live badge: a fresh screen reads the count.
    await r.goto("/r/orders");
    await p.seeThat(resident, "an unread count on the bell", () =>
      Number(document.querySelector("[data-testid=nav-bell]")?.getAttribute("data-unread")) > 0);
    await p.see(resident, r.locator(`[data-testid=order-card-${orderId}][data-state=NEEDS_INFO]`), "the order 待补充 in her list");
    await axe(p, resident, "her orders with the order waiting for her");
    const label = await r.getByTestId("nav-bell").getAttribute("aria-label");
    await p.expect(resident, /^通知，\d+ 条未读$/.test(label ?? ""), "the bell labelled 通知，N 条未读", String(label));
    await r.getByTestId("nav-bell").click();
    await p.seeUrl(resident, /\/inbox$/, "the inbox at /inbox");
    const item = r.locator(`[data-testid^=inbox-item-][data-order-id="${orderId}"]`);
    await p.see(resident, item, `a message about order ${orderId}`);
    await p.expect(resident, (await item.first().getAttribute("data-read")) === "false", "the message unread");
    await p.expect(resident, (await item.first().getAttribute("data-category")) === "MUST_ACT", "the message is a must-act one");
    const text = await item.first().innerText();
    await p.expect(resident, text.includes("待办"), "待办 on the message", text);
    await p.shot(resident, "inbox-03-inbox", true);
    await axe(p, resident, "the inbox");

    await item.first().click();
    await p.seeUrl(resident, new RegExp(`/r/orders/${orderId}$`), `the order screen /r/orders/${orderId}`);
    await p.see(resident, r.locator("[data-testid=order-state][data-state=NEEDS_INFO]"), "the order waiting for her answer");
    await p.see(resident, r.getByTestId("resubmit-reason"), "the form to answer the question");
    await p.see(resident, r.locator("[data-testid=order-live][data-status=live]"), "the order screen live");
    await axe(p, resident, "the order screen opened from the inbox");

    await r.goBack();
    await p.seeUrl(resident, /\/inbox$/, "the inbox again");
    await p.see(resident, r.locator(`[data-testid^=inbox-item-][data-order-id="${orderId}"][data-read=true]`), "the message now read");
  });

  test("elderly mode and English: the inbox and the alert settings stay readable and pass axe-core", async () => {
    const p = phones;
    const r = resident.page;
    await r.getByTestId("nav-elderly").click();
    await p.seeThat(resident, "elderly mode on", () => document.documentElement.classList.contains("elderly"));
    await r.goto("/r/orders");
    const bell = await r.getByTestId("nav-bell").boundingBox();
    await p.expect(resident, !!bell && bell.width >= 48 && bell.height >= 48, "a bell at least 48×48 px in elderly mode", JSON.stringify(bell));
    await p.shot(resident, "inbox-04a-home-elderly");
    await r.goto("/inbox");
    await p.see(resident, r.getByTestId("inbox-list"), "the inbox list");
    const small = await smallText(r, 18);
    await p.expect(resident, small.length === 0, "no text under 18px in the inbox (elderly)", small.join("\n"));
    const targets = await smallTargets(r, 48);
    await p.expect(resident, targets.length === 0, "everything to press ≥ 48px in the inbox (elderly)", targets.join("\n"));
    await p.shot(resident, "inbox-04-inbox-elderly", true);
    await axe(p, resident, "the inbox in elderly mode");

    await r.getByTestId("inbox-prefs").click();
    await p.seeUrl(resident, /\/inbox\/settings$/, "the alert settings");
    await p.see(resident, r.getByTestId("prefs-save"), "the save button of the alert settings");
    await p.seeThat(resident, "the settings loaded", () =>
      document.querySelector("[data-testid=prefs]")?.getAttribute("data-version") !== "");
    await p.shot(resident, "inbox-05-prefs-elderly", true);
    await axe(p, resident, "the alert settings in elderly mode");
    await r.getByTestId("prefs-quiet-end").selectOption("07:00");
    await r.getByTestId("prefs-save").click();
    await p.seeThat(resident, "the settings saved (version 1)", () =>
      document.querySelector("[data-testid=prefs]")?.getAttribute("data-version") === "1");

    await r.getByTestId("nav-elderly").click();
    await r.getByTestId("nav-lang").click();
    await r.goto("/inbox");
    await p.see(resident, r.getByTestId("inbox-mark-all"), "the inbox in English");
    await p.seeThat(resident, "English texts", () => document.documentElement.lang === "en"
      && (document.querySelector("[data-testid=inbox-mark-all]")?.textContent ?? "").includes("Mark all read"));
    await p.shot(resident, "inbox-06-inbox-en", true);
    await axe(p, resident, "the inbox in English");
    await r.getByTestId("nav-lang").click();
  });

  test("without the watch (the server refuses it) the bell still learns the count when the page gets focus (the 30 s timer: unit test)", async () => {
    const p = phones;
    const residentAccount = world.account("resident");
    const workerAccount = world.account("worker", COMMUNITY);
    // A phone whose watch the gateway refuses, as a kepud without WatchNotifications answers.
    const person = await p.phone(`resident ${residentAccount.name} (no watch)`);
    await person.context.route(/\/sse\/kepu\.v1\.NotificationService\/WatchNotifications/, (route) =>
      route.fulfill({ status: 501, contentType: "application/json", body: '{"code":"unimplemented","message":"not yet"}' }));
    await p.signIn(person, residentAccount, "/r/orders");
    const r = person.page;
    await p.see(person, r.locator("[data-testid=nav-bell][data-live=false]"), "the bell, not live");
    await r.getByTestId("nav-bell").click();
    await p.see(person, r.getByTestId("inbox-mark-all"), "the inbox");
    if (await r.getByTestId("inbox-mark-all").isEnabled()) await r.getByTestId("inbox-mark-all").click();
    await r.goto("/r/orders");
    await p.seeThat(person, "no unread messages", () =>
      document.querySelector("[data-testid=nav-bell]")?.getAttribute("data-unread") === "0");

    // Another order, and the worker's question, through the API.
    const session = await login(world, residentAccount.phone, residentAccount.password);
    const { start, end } = timeWindow(11);
    const order = await client(world, OrderService, { token: session.token }).createOrder({
      requestId: requestId("inbox"),
      draft: draft({ preferredWindows: [{ start: timestampFromDate(start), end: timestampFromDate(end) }] }),
    });
    const worker = await login(world, workerAccount.phone, workerAccount.password);
    await client(world, DispatchService, { token: worker.token }).requestInfo({
      requestId: requestId("ask"), orderId: order.id, expectedVersion: order.version, question: "请补充联系人的电话",
    });
    // Delivery to the inbox takes a moment; then the page getting focus reads the count.
    await p.seeThat(person, "the badge at 1 after the page got focus", () => {
      window.dispatchEvent(new Event("focus"));
      return document.querySelector("[data-testid=nav-bell]")?.getAttribute("data-unread") === "1";
    });
    await person.context.close();
    p.people.splice(p.people.indexOf(person), 1);
  });
});

// Phones for the browser test: one headless Debian Chromium (via playwright-core, never a
// downloaded browser), a browser context per person (390×844, touch, zh-CN), and helpers that
// wait the way a person looks at a screen — for something to show up — and, when it does not,
// say what was on the screen instead (its text, its address, a screenshot).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from "playwright-core";
import type { DemoAccount } from "../../harness/world.js";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// The built mobile client (clients/mobile/dist) served by kepud's --http_root.
export function mobileDist(): string {
  const value = process.env.KEPU_MOBILE_DIST;
  return resolve(webDir, value !== undefined && value !== "" ? value : "../../clients/mobile/dist");
}

export function artifactsDir(): string {
  const value = process.env.KEPU_ARTIFACTS_DIR;
  const dir = resolve(webDir, value !== undefined && value !== "" ? value : "artifacts");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function chromiumPath(): string {
  return process.env.KEPU_CHROMIUM ?? "/usr/bin/chromium";
}

// How long a person waits for a screen to show something before the test says it did not.
export const SEE_TIMEOUT = 15_000;

export interface Person {
  // Who this is, for messages: "resident 潘文".
  readonly who: string;
  readonly context: BrowserContext;
  readonly page: Page;
  // Uncaught page errors and console errors seen so far.
  readonly problems: string[];
}

export class Phones {
  readonly people: Person[] = [];
  readonly shots: string[] = [];
  // Requests the pages made to anything but the gateway (there should be none).
  readonly offsite: string[] = [];
  private failures = 0;
  private constructor(
    readonly browser: Browser,
    readonly baseUrl: string,
    readonly artifacts: string,
  ) {}

  static async open(baseUrl: string): Promise<Phones> {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(baseUrl)) throw new Error(`not a loopback gateway: ${baseUrl}`);
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      timeout: 60_000,
    });
    return new Phones(browser, baseUrl, artifactsDir());
  }

  // A phone of its own for one person (own storage: the session is kept in localStorage).
  async phone(who: string): Promise<Person> {
    const context = await this.browser.newContext({
      baseURL: this.baseUrl,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: "zh-CN",
      timezoneId: "Asia/Shanghai",
      serviceWorkers: "allow",
    });
    context.setDefaultTimeout(SEE_TIMEOUT);
    context.setDefaultNavigationTimeout(30_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    // Only the gateway on loopback: a request for anything else is refused before it leaves the
    // browser, and noted (the test reports it as a problem of the app).
    await context.route(
      (url) => url.origin !== this.baseUrl && /^(https?|wss?):$/.test(url.protocol),
      async (route) => {
        this.offsite.push(`${who}: ${route.request().method()} ${route.request().url()}`);
        await route.abort("blockedbyclient");
      },
    );
    const person: Person = { who, context, page, problems };
    this.people.push(person);
    return person;
  }

  // Opens the app, lands on the sign-in screen, signs in; waits for the role's home screen.
  async signIn(person: Person, account: DemoAccount, home: string, shot?: string): Promise<void> {
    const { page } = person;
    await page.goto("/");
    await this.see(person, page.getByTestId("login-submit"), "the sign-in screen (redirected from /)");
    await this.seeUrl(person, /\/login(\?.*)?$/, "the address /login");
    await page.getByTestId("login-phone").fill(account.phone);
    await page.getByTestId("login-password").fill(account.password);
    if (shot !== undefined) await this.shot(person, shot);
    await page.getByTestId("login-submit").click();
    await this.seeUrl(person, new RegExp(`${home.replace(/\//g, "\\/")}$`), `their home screen ${home}`);
  }

  // Waits until `locator` is visible; else fails with what the person saw instead.
  async see(person: Person, locator: Locator, what: string, timeout = SEE_TIMEOUT): Promise<void> {
    try {
      await locator.first().waitFor({ state: "visible", timeout });
    } catch (error) {
      throw await this.notSeen(person, what, error);
    }
  }

  // Waits until the element is gone (hidden or detached).
  async seeGone(person: Person, locator: Locator, what: string, timeout = SEE_TIMEOUT): Promise<void> {
    try {
      await locator.first().waitFor({ state: "hidden", timeout });
    } catch (error) {
      throw await this.notSeen(person, what, error);
    }
  }

  async seeUrl(person: Person, url: RegExp, what: string, timeout = SEE_TIMEOUT): Promise<void> {
    try {
      await person.page.waitForURL(url, { timeout });
    } catch (error) {
      throw await this.notSeen(person, what, error);
    }
  }

  // Waits until `check` holds in the page (a function evaluated there, e.g. reading styles).
  async seeThat(person: Person, what: string, check: () => boolean, timeout = SEE_TIMEOUT): Promise<void> {
    try {
      await person.page.waitForFunction(check, undefined, { timeout, polling: 100 });
    } catch (error) {
      throw await this.notSeen(person, what, error);
    }
  }

  // A check made once, failing with the screen's text.
  async expect(person: Person, ok: boolean, what: string, detail = ""): Promise<void> {
    if (!ok) throw await this.notSeen(person, what, new Error(detail || "check failed"));
  }

  async notSeen(person: Person, what: string, cause: unknown): Promise<Error> {
    this.failures += 1;
    const screen = await this.describe(person, `FAIL-${this.failures}-${slug(person.who)}`);
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    return new Error(`${person.who} should see ${what}, but did not (${reason}).\n${screen}`);
  }

  // What is on this person's screen: address, visible text, a screenshot, page errors.
  async describe(person: Person, shotName: string): Promise<string> {
    const { page } = person;
    let text = "";
    try {
      text = await page.locator("body").innerText({ timeout: 3_000 });
    } catch (error) {
      text = `(could not read the page: ${String(error)})`;
    }
    let shot = "";
    try {
      const file = join(this.artifacts, `${shotName}.png`);
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      shot = file;
    } catch (error) {
      shot = `(no screenshot: ${String(error).split("\n")[0]})`;
    }
    const problems = person.problems.length ? `\n  page errors:\n    ${person.problems.slice(-10).join("\n    ")}` : "";
    return [
      `  ${person.who}'s screen at ${page.url()}:`,
      `  ${text.replace(/\s*\n\s*/g, " ⏎ ").slice(0, 2_000)}`,
      `  screenshot: ${shot}${problems}`,
    ].join("\n");
  }

  // Everyone's screen, for a failed test's report.
  async describeAll(): Promise<string> {
    const parts: string[] = [];
    for (const person of this.people) {
      if (person.page.isClosed()) continue;
      parts.push(await this.describe(person, `FAIL-last-${slug(person.who)}`));
    }
    return parts.join("\n");
  }

  // A screenshot of the person's screen into the artifacts folder (NN-name.png).
  async shot(person: Person, name: string, fullPage = false, keepToast = false): Promise<void> {
    const file = join(this.artifacts, `${name}.png`);
    const { page } = person;
    // A passing toast ("操作成功", 2 s) would cover the screen: take the picture once it is gone.
    if (!keepToast) {
      await page.locator(".van-toast").filter({ visible: true }).first()
        .waitFor({ state: "hidden", timeout: 5_000 }).catch(() => {});
    }
    // A whole-page picture from the top (fixed bars would otherwise land mid-page).
    if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    await page.screenshot({ path: file, fullPage, animations: "disabled", caret: "hide" });
    this.shots.push(file);
  }

  writeIndex(): void {
    writeFileSync(join(this.artifacts, "screenshots.txt"), `${this.shots.join("\n")}\n`);
  }

  async close(): Promise<void> {
    for (const person of this.people) await person.context.close().catch(() => {});
    await this.browser.close().catch(() => {});
  }
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "") || "person";
}

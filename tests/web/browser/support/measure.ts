// Measuring a screen as an older person would meet it: how big the text is, how big the things
// to press are (getComputedStyle and the layout boxes, in CSS pixels).
import type { Page } from "playwright-core";

// Visible text smaller than `min` px: "<what> 15.2px “text”", one line per kind of element.
export async function smallText(page: Page, min: number): Promise<string[]> {
  return page.evaluate((minPx) => {
    const out = new Map<string, string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = (node.textContent ?? "").trim();
      const el = node.parentElement;
      if (text === "" || el === null) continue;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || el.closest("[aria-hidden=true]")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const size = parseFloat(style.fontSize);
      if (size >= minPx) continue;
      const what = describe(el);
      if (!out.has(what)) out.set(what, `${what} ${size.toFixed(1)}px “${text.slice(0, 30)}”`);
    }
    return [...out.values()];

    function describe(el: Element): string {
      const testid = el.closest("[data-testid]")?.getAttribute("data-testid") ?? "";
      const cls = [...el.classList].filter((c) => !c.startsWith("data-v")).slice(0, 2).join(".");
      return `${el.tagName.toLowerCase()}${cls ? `.${cls}` : ""}${testid ? ` in [${testid}]` : ""}`;
    }
  }, min);
}

// Things to press smaller than `min`×`min` px: "<what> 40×40 “text”".
export async function smallTargets(page: Page, min: number): Promise<string[]> {
  return page.evaluate((minPx) => {
    const selector = [
      "button", "a[href]", "[role=button]", "[role=radio]", "[role=tab]", "[role=checkbox]",
      "input", "select", "textarea", ".van-cell--clickable", ".van-tabbar-item",
    ].join(",");
    const out: string[] = [];
    const seen = new Set<Element>();
    for (const found of document.querySelectorAll(selector)) {
      // A Vant field is pressed as a whole row: measure the row, not the bare input inside it.
      const el = found.closest(".van-field") ?? found;
      if (seen.has(el)) continue;
      seen.add(el);
      if ((found as HTMLInputElement).type === "hidden" || (found as HTMLButtonElement).disabled) continue;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || style.display === "none") continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.width >= minPx && box.height >= minPx) continue;
      const testid = el.getAttribute("data-testid") ?? el.closest("[data-testid]")?.getAttribute("data-testid") ?? "";
      const cls = [...el.classList].slice(0, 2).join(".");
      const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 20);
      out.push(`${el.tagName.toLowerCase()}${cls ? `.${cls}` : ""}${testid ? ` [${testid}]` : ""} ${Math.round(box.width)}×${Math.round(box.height)} “${text}”`);
    }
    return out;
  }, min);
}

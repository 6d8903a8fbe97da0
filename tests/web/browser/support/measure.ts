// Measuring a screen as an older person would meet it: how big the text is, how big the things
// to press are (getComputedStyle and the layout boxes, in CSS pixels).
import type { Page } from "playwright-core";

// Visible text smaller than `min` px: "<element> 15.2px ×N, e.g. [testid] “text”", one line per
// kind of element (tag, classes, size), so forty catalog cards make one line.
export async function smallText(page: Page, min: number): Promise<string[]> {
  return page.evaluate((minPx) => {
    const out = new Map<string, { count: number; example: string }>();
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
      const cls = [...el.classList].slice(0, 2).join(".");
      const kind = `${el.tagName.toLowerCase()}${cls ? `.${cls}` : ""} ${size.toFixed(1)}px`;
      const testid = el.closest("[data-testid]")?.getAttribute("data-testid") ?? "";
      const seen = out.get(kind);
      if (seen) seen.count += 1;
      else out.set(kind, { count: 1, example: `${testid ? `in [${testid}] ` : ""}“${text.slice(0, 24)}”` });
    }
    return [...out.entries()].map(([kind, { count, example }]) => `${kind} ×${count}, e.g. ${example}`);
  }, min);
}

// Things to press smaller than `min`×`min` px: "<what> 40×40 “text”".
export async function smallTargets(page: Page, min: number): Promise<string[]> {
  return page.evaluate((minPx) => {
    const selector = [
      "button", "a[href]", "[role=button]", "[role=radio]", "[role=tab]", "[role=checkbox]",
      "input", "select", "textarea", ".van-cell--clickable", ".van-tabbar-item",
    ].join(",");
    const out = new Map<string, { count: number; example: string }>();
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
      const kind = `${el.tagName.toLowerCase()}${cls ? `.${cls}` : ""} ${Math.round(box.width)}×${Math.round(box.height)}`;
      const had = out.get(kind);
      if (had) had.count += 1;
      else out.set(kind, { count: 1, example: `${testid ? `[${testid}] ` : ""}“${text}”` });
    }
    return [...out.entries()].map(([kind, { count, example }]) => `${kind} ×${count}, e.g. ${example}`);
  }, min);
}

// 适老化: in elderly mode (html.elderly) every piece of text is at least 18px and everything to
// press at least 48×48px. The browser test measures the real sizes; this one checks the
// stylesheets, so that a component's scoped rule (which outranks a plain `html.elderly button`)
// never keeps small text or a small target in elderly mode without an override.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const stylesCss = readFileSync(join(root, 'src/styles.css'), 'utf8');

interface Rule { selectors: string[]; decls: Record<string, string> }

function parseRules(css: string): Rule[] {
  const rules: Rule[] = [];
  const flat = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const m of flat.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const decls: Record<string, string> = {};
    for (const d of m[2].split(';')) {
      const i = d.indexOf(':');
      if (i > 0) decls[d.slice(0, i).trim()] = d.slice(i + 1).trim();
    }
    rules.push({ selectors: m[1].split(',').map((s) => s.trim().replace(/\s+/g, ' ')).filter(Boolean), decls });
  }
  return rules;
}

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'gen' ? [] : vueFiles(join(dir, e.name))) : e.name.endsWith('.vue') ? [join(dir, e.name)] : []);
}

const px = (v: string | undefined) => (v && /^[\d.]+px$/.test(v) ? parseFloat(v) : undefined);
/** Whether a font-size may end up under 18px in elderly mode (body 19px; ems compound). */
const smallFont = (v: string) => (px(v) !== undefined ? px(v)! < 18 : /^[\d.]+r?em$/.test(v) ? parseFloat(v) < 1 : false);

// html.elderly <selector> → its declarations (from the app's stylesheet).
const elderly = new Map<string, Record<string, string>>();
let elderlyVars: Record<string, string> = {};
for (const r of parseRules(stylesCss)) {
  for (const s of r.selectors) {
    if (s === 'html.elderly') elderlyVars = { ...elderlyVars, ...r.decls };
    else if (s.startsWith('html.elderly ')) {
      const key = s.slice('html.elderly '.length);
      elderly.set(key, { ...elderly.get(key), ...r.decls });
    }
  }
}

describe('elderly mode stylesheet', () => {
  it('body text is 19px and every Vant font size is at least 18px (tab bar, tags, cell labels, errors…)', () => {
    expect(px(elderly.get('body')?.['font-size'])).toBeGreaterThanOrEqual(18);
    const sizes = Object.entries(elderlyVars).filter(([k]) => k.startsWith('--van-') && k.includes('font-size'));
    expect(sizes.map(([k]) => k)).toEqual(expect.arrayContaining([
      '--van-font-size-xs', '--van-font-size-sm', '--van-tabbar-item-font-size', '--van-tag-font-size', '--van-field-error-message-font-size',
    ]));
    for (const [k, v] of sizes) expect([k, px(v)! >= 18]).toEqual([k, true]);
  });

  it('buttons, links and small Vant buttons are at least 48px', () => {
    expect(px(elderly.get('button')?.['min-height'])).toBeGreaterThanOrEqual(48);
    expect(px(elderly.get('.van-button--small')?.['min-width'])).toBeGreaterThanOrEqual(48);
    expect(px(elderly.get('.van-button--mini')?.['min-width'])).toBeGreaterThanOrEqual(48);
    for (const k of ['--van-button-small-height', '--van-button-default-height']) expect(px(elderlyVars[k])).toBeGreaterThanOrEqual(48);
  });

  it('every component rule with small text or a small target has an html.elderly override', () => {
    const missing: string[] = [];
    let checked = 0;
    const files = [...vueFiles(join(root, 'src')).map((f) => [relative(root, f), readFileSync(f, 'utf8')] as const), ['src/styles.css', stylesCss] as const];
    for (const [file, text] of files) {
      const css = file.endsWith('.vue') ? [...text.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1]).join('\n') : text;
      for (const r of parseRules(css)) {
        for (const s of r.selectors) {
          if (s.startsWith('html.elderly') || s.startsWith(':root') || s.includes(':deep(')) continue;
          const over = elderly.get(s) ?? {};
          const fs = r.decls['font-size'];
          if (fs && smallFont(fs)) {
            checked++;
            const o = over['font-size'];
            if (!o || smallFont(o)) missing.push(`${file}: ${s} { font-size: ${fs} } has no html.elderly ${s} { font-size: ≥ 18px }`);
          }
          for (const prop of ['min-height', 'min-width']) {
            const v = px(r.decls[prop]);
            if (v !== undefined && v > 0 && v < 48) {
              checked++;
              if ((px(over[prop]) ?? 0) < 48) missing.push(`${file}: ${s} { ${prop}: ${v}px } has no html.elderly ${s} { ${prop}: ≥ 48px }`);
            }
          }
        }
      }
    }
    expect(missing).toEqual([]);
    // The rules the browser test found short (nav buttons, card meta, catalog, timeline, live…).
    expect(checked).toBeGreaterThan(15);
    for (const s of ['.nav-btn', '.order-card__meta', '.line__program', '.line__examples', '.timeline__who', '.timeline__extra', '.live', '.countdown'])
      expect([s, elderly.has(s)]).toEqual([s, true]);
  });
});

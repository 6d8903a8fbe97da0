// The app asks nothing of any host but its own origin (the gateway): no CDN, no web font, no
// third-party script. Two parts:
//   localOnly()            a Vite plugin that drops remote sources from @font-face rules of the CSS
//                          it loads — Vant's van-icon font has its woff2 inlined as a data: URI and
//                          a fallback url(//at.alicdn.com/…woff) that Chromium sometimes fetches;
//   node scripts/local-only.mjs [dist]
//                          run by `npm run build`: fails when a built file still names another host.
// Plain JavaScript (with JSDoc types) so that Node runs it as it is and vite.config.ts and the
// tests import it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A URL that leaves the origin: scheme-relative (//host/…) or with a scheme and a host. */
const REMOTE_URL = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i;

/**
 * Where a piece of CSS ends: the first of `stops` outside parentheses and quotes (a data: URI
 * holds ";" and ","), or the end of the text.
 * @param {string} s
 * @param {number} from
 * @param {string} stops
 * @returns {number}
 */
function topLevelEnd(s, from, stops) {
  let depth = 0;
  /** @type {string | undefined} */
  let quote;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && stops.includes(c)) return i;
  }
  return s.length;
}

/**
 * The CSS without the remote sources of its @font-face rules; a rule left with no source at
 * all is dropped. Local and inlined (data:) sources stay.
 * @param {string} css
 * @returns {string}
 */
export function stripRemoteFontSources(css) {
  let out = '';
  let at = 0;
  for (let start = css.search(/@font-face\s*\{/i); start >= 0; start = nextFontFace(css, at)) {
    const end = topLevelEnd(css, css.indexOf('{', start) + 1, '}');
    out += css.slice(at, start) + stripRule(css.slice(start, end + 1));
    at = end + 1;
  }
  return out + css.slice(at);
}

/** @param {string} css @param {number} from */
function nextFontFace(css, from) {
  const i = css.slice(from).search(/@font-face\s*\{/i);
  return i < 0 ? -1 : from + i;
}

/**
 * One @font-face rule without its remote sources ('' when none is left).
 * @param {string} rule
 * @returns {string}
 */
function stripRule(rule) {
  let out = '';
  let at = 0;
  const src = /\bsrc\s*:/gi;
  for (let m = src.exec(rule); m; m = src.exec(rule)) {
    const valueStart = m.index + m[0].length;
    const valueEnd = topLevelEnd(rule, valueStart, ';}');
    /** @type {string[]} */
    const sources = [];
    for (let i = valueStart; i <= valueEnd; ) {
      const j = topLevelEnd(rule, i, ',;}');
      sources.push(rule.slice(i, Math.min(j, valueEnd)));
      i = j + 1;
      if (j >= valueEnd) break;
    }
    const kept = sources.filter((source) => {
      const url = /^\s*url\(\s*(['"]?)([^'")]*)/i.exec(source);
      return !(url && REMOTE_URL.test(url[2]));
    });
    if (kept.length === 0) return '';
    out += rule.slice(at, valueStart) + kept.join(',');
    at = valueEnd;
    src.lastIndex = valueEnd;
  }
  return out + rule.slice(at);
}

/**
 * Addresses of other hosts in a built file. Names that no browser fetches are allowed: XML
 * namespaces (the SVG and MathML ones Vue creates elements in) and the Vue error reference link
 * in its production error messages.
 * @param {string} text
 * @returns {string[]}
 */
export function remoteReferences(text) {
  const allowed = [
    /^http:\/\/www\.w3\.org\/(?:2000\/svg|1999\/xlink|1998\/Math\/MathML|XML\/1998\/namespace|2000\/xmlns\/?|1999\/xhtml)$/,
    /^https:\/\/vuejs\.org\/error-reference\/?/,
  ];
  /** @type {string[]} */
  const found = [];
  for (const m of text.matchAll(/(?:\b[a-z][a-z0-9+.-]*:)?\/\/(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*(?::\d+)?(?:[/?#][^\s"'`)<>]*)?/gi)) {
    const url = m[0];
    // "//" right after a word character that is not a scheme's colon is a comment or a path.
    const before = text[m.index - 1] ?? '';
    if (!url.includes(':') && /[\w\\]/.test(before)) continue;
    if (allowed.some((a) => a.test(url))) continue;
    found.push(url);
  }
  return found;
}

const TEXT_FILES = new Set(['.html', '.css', '.js', '.mjs', '.json', '.webmanifest', '.svg', '.txt', '.xml']);

/**
 * Every file under `dir` that names another host, with what it names.
 * @param {string} dir
 * @returns {Array<{ file: string, urls: string[] }>}
 */
export function checkDist(dir) {
  /** @type {Array<{ file: string, urls: string[] }>} */
  const problems = [];
  /** @param {string} d */
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (TEXT_FILES.has(extname(name))) {
        const urls = remoteReferences(readFileSync(p, 'utf8'));
        if (urls.length) problems.push({ file: relative(dir, p), urls: [...new Set(urls)] });
      }
    }
  };
  walk(dir);
  return problems;
}

/**
 * Vite plugin: remote @font-face sources are dropped from every CSS file as it is loaded (Vant's
 * included), in the build and under `npm run dev`.
 * @returns {import('vite').Plugin}
 */
export function localOnly() {
  return {
    name: 'kepu-local-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.css(?:$|\?)/.test(id) || !code.includes('@font-face')) return null;
      const out = stripRemoteFontSources(code);
      return out === code ? null : { code: out, map: null };
    },
  };
}

// node scripts/local-only.mjs [dist]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? 'dist');
  const problems = checkDist(dir);
  if (problems.length) {
    console.error(`local-only: the build names other hosts than its own origin (${dir}):`);
    for (const p of problems) console.error(`  ${p.file}: ${p.urls.join(' ')}`);
    process.exit(1);
  }
  console.log(`local-only: ${dir} names no other host`);
}

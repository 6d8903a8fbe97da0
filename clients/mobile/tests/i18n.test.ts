import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '@/locales/en.json';
import zh from '@/locales/zh-CN.json';

type Tree = { [k: string]: string | Tree };

function flatten(t: Tree, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out[key] = v;
    else Object.assign(out, flatten(v, key));
  }
  return out;
}

const zhFlat = flatten(zh as Tree);
const enFlat = flatten(en as Tree);
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'gen' ? [] : sources(p);
    return /\.(ts|vue)$/.test(f) ? [p] : [];
  });
}

describe('locales', () => {
  it('zh-CN and en have the same keys', () => {
    expect(Object.keys(enFlat).sort()).toEqual(Object.keys(zhFlat).sort());
  });

  it('each message has the same placeholders in both languages', () => {
    for (const k of Object.keys(zhFlat)) expect([k, placeholders(enFlat[k])]).toEqual([k, placeholders(zhFlat[k])]);
  });

  it('no message is empty except on purpose', () => {
    for (const [k, v] of Object.entries(zhFlat)) if (k !== 'stage.UNSPECIFIED') expect([k, v.trim().length > 0]).toEqual([k, true]);
  });

  it('every literal key the code uses exists', () => {
    const root = join(__dirname, '..', 'src');
    const used = new Set<string>();
    for (const f of sources(root)) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z]+(?:\.[a-zA-Z0-9_]+)+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/key: '([a-zA-Z]+\.[a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !(k in zhFlat) || !(k in enFlat));
    expect(missing).toEqual([]);
  });
});

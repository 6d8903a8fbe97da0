// Nothing is fetched from another host: the build keeps Vant's inlined icon font and drops its
// remote fallback (url(//at.alicdn.com/…)); `npm run build` fails when a built file names a host.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDist, localOnly, remoteReferences, stripRemoteFontSources } from '../scripts/local-only.mjs';
import pkg from '../package.json';

const vantIconCss = readFileSync(createRequire(import.meta.url).resolve('vant/es/icon/index.css'), 'utf8');

describe('no other host', () => {
  it('Vant’s icon font keeps its inlined woff2 and loses the remote fallback', () => {
    expect(remoteReferences(vantIconCss).length).toBeGreaterThan(0); // what Vant ships
    const css = stripRemoteFontSources(vantIconCss);
    expect(css).not.toMatch(/alicdn|\/\/at\./);
    expect(remoteReferences(css)).toEqual([]);
    expect(css).toMatch(/@font-face\{[^}]*font-family:vant-icon;[^}]*src:url\(data:font\/woff2;[^)]*\) format\("woff2"\)\}/);
    expect(css.length).toBeGreaterThan(vantIconCss.length - 200);
  });

  it('remote @font-face sources go, local ones stay; a face with only remote sources goes', () => {
    const css = '@font-face{font-family:a;src:url("https://fonts.example.com/a.woff2") format("woff2")}.b{color:red}'
      + "@font-face{font-family:c;src:local('C'),url(/f/c.woff2) format('woff2'),url(//cdn.example.org/c.woff) format('woff');font-display:swap}";
    expect(stripRemoteFontSources(css)).toBe(".b{color:red}@font-face{font-family:c;src:local('C'),url(/f/c.woff2) format('woff2');font-display:swap}");
  });

  it('the Vite plugin applies it to every CSS file it loads', () => {
    const plugin = localOnly();
    const transform = plugin.transform as (code: string, id: string) => { code: string } | null;
    expect(transform(vantIconCss, '/x/node_modules/vant/es/icon/index.css')?.code).not.toContain('alicdn');
    expect(transform(vantIconCss, '/x/node_modules/vant/es/icon/index.css?direct')?.code).not.toContain('alicdn');
    expect(transform('.a{color:red}', '/x/a.css')).toBeNull();
    expect(transform(vantIconCss, '/x/a.js')).toBeNull();
  });

  it('finds other hosts in built files, not XML namespaces, relative paths or comments', () => {
    expect(remoteReferences('a{background:url(//at.alicdn.com/t/x.woff?t=1)}')).toEqual(['//at.alicdn.com/t/x.woff?t=1']);
    expect(remoteReferences('<script src="https://cdn.example.com/v.js"></script>')).toEqual(['https://cdn.example.com/v.js']);
    expect(remoteReferences('fetch("http://api.example.com:8080/x")')).toEqual(['http://api.example.com:8080/x']);
    expect(remoteReferences('createElementNS("http://www.w3.org/2000/svg","svg");"https://vuejs.org/error-reference/#runtime-1"')).toEqual([]);
    expect(remoteReferences('<link href="/assets/a.css"><img src="./icons/icon.svg">url(data:font/woff2;base64,AB//cd)')).toEqual([]);
    expect(remoteReferences('x=1;// see the notes.md\nlet y')).toEqual([]);
  });

  it('the check of the build reports each file that names another host', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kepu-dist-'));
    try {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<link rel="stylesheet" href="/assets/a.css">');
      writeFileSync(join(dir, 'assets', 'a.css'), '@font-face{src:url(//at.alicdn.com/x.woff)}');
      writeFileSync(join(dir, 'assets', 'b.png'), '//cdn.example.com/binary');
      expect(checkDist(dir)).toEqual([{ file: join('assets', 'a.css'), urls: ['//at.alicdn.com/x.woff'] }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm run build runs the check', () => {
    expect(pkg.scripts.build).toMatch(/vite build && node scripts\/local-only\.mjs dist$/);
  });
});

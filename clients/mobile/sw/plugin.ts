// Emits dist/sw.js: the hand-written sw/sw.js with this build's version and the list of files to
// precache (every file of the build except source maps and the service worker itself).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

export function serviceWorker(): Plugin {
  return {
    name: 'kepu-service-worker',
    apply: 'build',
    // After Vite's own plugins, so that index.html is in the bundle too.
    enforce: 'post',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && f !== 'sw.js')
        .sort();
      const publicFiles = ['index.html', 'manifest.webmanifest', 'icons/icon.svg', 'icons/icon-192.png', 'icons/icon-512.png', 'icons/maskable-512.png'];
      const all = [...new Set([...files, ...publicFiles])];
      const hash = createHash('sha256');
      for (const f of files) {
        const item = bundle[f];
        hash.update(f);
        hash.update(item.type === 'chunk' ? item.code : typeof item.source === 'string' ? item.source : Buffer.from(item.source));
      }
      const version = hash.digest('hex').slice(0, 12);
      const body = readFileSync(new URL('./sw.js', import.meta.url), 'utf8');
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const KEPU_VERSION = ${JSON.stringify(version)};\nconst KEPU_PRECACHE = ${JSON.stringify(all)};\n${body}`,
      });
    },
  };
}

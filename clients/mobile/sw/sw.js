/* Kepu service worker — hand-written, no libraries.
 *
 * The build (sw/plugin.ts) prepends two constants: KEPU_VERSION (a hash of the build) and
 * KEPU_PRECACHE (every file of dist/). Strategy:
 * - install: cache the whole app shell of this build (index.html, scripts, styles, icons);
 * - activate: delete the shells of older builds;
 * - navigations: network first, the cached index.html when offline (the app is a single page);
 * - /assets/* (file names carry a content hash): cache first;
 * - other static files: cached copy at once, refreshed in the background;
 * - the API (POST /kepu.v1.*), the event streams (/sse/) and /healthz: never touched.
 * Orders written offline are not the service worker's business: the app keeps them in its
 * outbox (localStorage) and sends them itself when the browser is online again.
 */
/* global KEPU_VERSION, KEPU_PRECACHE */
const CACHE = `kepu-shell-${KEPU_VERSION}`;
const SHELL = '/index.html';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(KEPU_PRECACHE.map((f) => `/${f}`)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith('kepu-shell-') && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

function isApi(url) {
  return url.pathname.startsWith('/kepu.v1.') || url.pathname.startsWith('/sse/') || url.pathname === '/healthz';
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || isApi(url)) return;

  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put(SHELL, copy));
          }
          return res;
        })
        .catch(() => caches.match(SHELL, { cacheName: CACHE }).then((r) => r || caches.match(SHELL))),
    );
    return;
  }

  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              caches.open(CACHE).then((c) => c.put(req, copy));
            }
            return res;
          }),
      ),
    );
    return;
  }

  event.respondWith(
    caches.match(req).then((hit) => {
      const fresh = fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put(req, copy));
          }
          return res;
        })
        .catch(() => hit);
      return hit || fresh;
    }),
  );
});

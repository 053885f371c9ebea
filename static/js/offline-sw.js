// Taahil's service worker, served at /sw.js (scope "/") by server/offline/routes.ts.
// It keeps the trainer's field rosters and the offline rosters page for use without a
// connection; everything else goes to the network as usual.
//  - pages under /offline: the network first (each answer is kept), the kept copy when offline;
//  - files the pages kept (offline.js keeps the files of the page it runs on): content-hashed ones
//    (?v=…) from the kept copy first, others from the network first;
//  - everything else goes to the network untouched.
//  - signing out (POST /logout) deletes the kept pages.
// Marks are never sent from here: the pages send the queue (static/js/offline-queue.js).

const PAGES = 'taahil-offline-pages';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

const keepable = (res) =>
  res.ok && !res.redirected && res.type === 'basic' && (res.headers.get('content-type') ?? '').includes('text/html');

async function page(request) {
  const url = new URL(request.url);
  try {
    const res = await fetch(request);
    if (keepable(res)) {
      const cache = await caches.open(PAGES);
      await cache.put(url.pathname, res.clone());
    }
    return res;
  } catch (err) {
    const cache = await caches.open(PAGES);
    const kept = await cache.match(url.pathname, { ignoreVary: true });
    if (kept) return kept;
    throw err;
  }
}

/** a file the pages kept (offline.js keeps the files of the page it runs on); otherwise the network */
async function asset(request) {
  const versioned = new URL(request.url).searchParams.has('v');
  if (versioned) {
    const kept = await caches.match(request, { ignoreVary: true });
    return kept ?? fetch(request);
  }
  try {
    return await fetch(request);
  } catch (err) {
    const kept = await caches.match(request, { ignoreVary: true, ignoreSearch: true });
    if (kept) return kept;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && url.pathname === '/logout') {
    // signing out forgets the kept pages (someone else may use this phone next); queued marks stay
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== 'GET') return;
  // every other page and file goes to the network untouched
  if (request.mode === 'navigate') {
    if (url.pathname === '/offline' || url.pathname.startsWith('/offline/')) event.respondWith(page(request));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname.startsWith('/assets/')) event.respondWith(asset(request));
});

// Taahil's service worker, served at /sw.js (scope "/") by server/offline/routes.ts.
// It keeps the trainer's field rosters and the offline rosters page for use without a
// connection; everything else goes to the network as usual.
//  - pages under /offline: the network first (each answer is kept), the kept copy when offline;
//  - other pages with no connection: the kept offline rosters page, which says what is on the phone;
//  - content-hashed files (?v=…) from the kept copy first; other files the network first.
//  - signing out (POST /logout) deletes the kept pages.
// Marks are never sent from here: the pages send the queue (static/js/offline-queue.js).

const PAGES = 'taahil-offline-pages';
const ASSETS = 'taahil-offline-assets';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

const keepable = (res) =>
  res.ok && !res.redirected && res.type === 'basic' && (res.headers.get('content-type') ?? '').includes('text/html');

async function page(request) {
  const url = new URL(request.url);
  const mine = url.pathname === '/offline' || url.pathname.startsWith('/offline/');
  try {
    const res = await fetch(request);
    if (mine && keepable(res)) {
      const cache = await caches.open(PAGES);
      await cache.put(url.pathname, res.clone());
    }
    return res;
  } catch (err) {
    const cache = await caches.open(PAGES);
    const kept = (await cache.match(url.pathname, { ignoreVary: true })) ?? (await cache.match('/offline'));
    if (kept) return kept;
    throw err;
  }
}

async function asset(request) {
  const url = new URL(request.url);
  const cache = await caches.open(ASSETS);
  if (url.searchParams.has('v')) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    const res = await fetch(request);
    if (res.ok) await cache.put(request, res.clone());
    return res;
  }
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(request, res.clone());
    return res;
  } catch (err) {
    const kept = await cache.match(request, { ignoreVary: true, ignoreSearch: true });
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
  if (request.mode === 'navigate') {
    event.respondWith(page(request));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname.startsWith('/assets/')) event.respondWith(asset(request));
});

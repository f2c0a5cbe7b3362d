// The visitor site installed as a phone app. Pages always come from the network (they
// show live balances and visits, which must never be stale); only when the network is
// gone does a page load get the offline page, cached when the app was installed.
const CACHE = 'openvisit-offline-1';
const OFFLINE = ['/offline', '/static/site.css'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(OFFLINE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  if (event.request.mode !== 'navigate') return;
  event.respondWith(fetch(event.request).catch(async () => (await caches.match('/offline')) || Response.error()));
});

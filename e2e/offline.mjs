// The visitor site as an installed app in Chromium: the manifest is found and names its
// icons, the service worker takes control, and with the network gone a page load shows
// the offline page in the visitor's language instead of the browser's error.
// Usage: node offline.mjs BASE_URL
import { launch, NO_GPU } from './browser.mjs';

const [base] = process.argv.slice(2);
const browser = await launch(NO_GPU);
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'es-MX' });
  const page = await context.newPage();
  await page.goto(base + '/?lang=es');
  const manifest = await page.getAttribute('link[rel=manifest]', 'href');
  const m = await (await page.request.get(base + manifest)).json();
  if (m.display !== 'standalone' || m.lang !== 'es') fail(`manifest: ${JSON.stringify(m)}`);
  for (const size of ['192x192', '512x512']) {
    const icon = m.icons.find((i) => i.sizes === size);
    if (!icon) { fail(`no ${size} icon`); continue; }
    const r = await page.request.get(base + icon.src);
    if (r.status() !== 200 || r.headers()['content-type'] !== 'image/png') fail(`${icon.src}: ${r.status()}`);
  }
  // The worker installs (caching the offline page) and controls the next page load.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  const controlled = await page.evaluate(() => navigator.serviceWorker.controller !== null);
  if (!controlled) fail('the service worker does not control the page');
  await context.setOffline(true);
  await page.goto(base + '/facilities').catch((e) => fail(`offline navigation failed: ${e.message}`));
  const h1 = await page.textContent('h1').catch(() => '');
  if (h1 !== 'No tienes conexión') fail(`offline page: ${h1}`);
  await context.setOffline(false);
  await page.goto(base + '/facilities?lang=es');
  if ((await page.textContent('h1')) === 'No tienes conexión') fail('online again, the offline page stays');
  console.log('ok installable, offline page in Spanish');
} finally {
  await browser.close();
}
if (failures > 0) { console.error(`${failures} failure(s)`); process.exit(1); }

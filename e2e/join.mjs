// Join time, for `openvisit-bench join`: the visitor's page and the housing kiosk's page
// join a booked visit in one headless Chromium with fake camera and microphone; prints how
// long each took from the server's `started` (both ready) to its first decoded frame, and
// which protocol each page's media goes over (the TCP test in browser.rs reads that).
// Usage: node join.mjs BASE_URL SESSION_COOKIE KIOSK_KEY PIN VISIT_ID
import { launch, FAKE_MEDIA } from './browser.mjs';

const [base, sessionCookie, kioskKey, pin, visitId] = process.argv.slice(2);
const browser = await launch(FAKE_MEDIA);
let code = 0;
try {
  const url = new URL(base);
  const visitorCtx = await browser.newContext();
  const [name, value] = sessionCookie.split('=');
  await visitorCtx.addCookies([{ name, value, domain: url.hostname, path: '/' }]);
  const visitor = await visitorCtx.newPage();
  await visitor.goto(`${base}/visits/${visitId}/join`);
  await visitor.click('#check');
  await visitor.waitForSelector('#ready:not([disabled])');
  await visitor.click('#ready');

  const kiosk = await (await browser.newContext()).newPage();
  await kiosk.goto(`${base}/kiosk/setup?key=${kioskKey}`);
  await kiosk.goto(`${base}/kiosk`);
  await kiosk.waitForSelector('#kiosk-sign-in:not([hidden])');
  await kiosk.fill('#kiosk-secret', pin);
  await kiosk.click('#kiosk-sign-in button[type=submit]');

  for (const page of [visitor, kiosk]) {
    await page.waitForFunction(() => document.getElementById('visit').dataset.phase === 'live', null, { timeout: 20000 });
  }
  const joinMs = (page) => page.evaluate(async () => {
    const giveUp = Date.now() + 15000;
    while ((await window.ovFramesDecoded()) === 0) {
      if (Date.now() > giveUp) throw new Error('no video frame decoded in 15 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    return Date.now() - window.ovStartedAt;
  });
  const [visitorJoin, kioskJoin] = await Promise.all([joinMs(visitor), joinMs(kiosk)]);
  console.log(`JOIN_MS visitor=${visitorJoin} kiosk=${kioskJoin}`);
  const transport = await Promise.all([visitor, kiosk].map((p) => p.evaluate(() => window.ovTransport())));
  console.log(`TRANSPORT visitor=${transport[0]} kiosk=${transport[1]}`);
} catch (e) {
  console.error(String(e && e.stack || e));
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);

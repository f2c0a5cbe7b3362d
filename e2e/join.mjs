// Join time, for `openvisit-bench join`: the visitor's page and the housing kiosk's page
// join a booked visit in one headless Chromium with fake camera and microphone; prints how
// long each took from the server's `started` (both ready) to its first decoded frame, and
// which protocol each page's media goes over (the TCP test in browser.rs reads that).
// Over HTTPS, CERT_PEM is the server's certificate, the only one the browser trusts; it
// also prints the signaling socket's scheme.
// Usage: node join.mjs BASE_URL SESSION_COOKIE KIOSK_KEY PIN VISIT_ID [CERT_PEM]
import { launch, runSteps, trusting, FAKE_MEDIA } from './browser.mjs';
import { visitorReady, kioskPage, kioskSignIn, phase } from './visit_pages.mjs';

const [base, sessionCookie, kioskKey, pin, visitId, certificate] = process.argv.slice(2);
const browser = await launch([...FAKE_MEDIA, ...trusting(certificate)]);
await runSteps(browser, async () => {
  const visitor = await visitorReady(browser, base, sessionCookie, visitId, 'en');
  const kiosk = await kioskPage(browser, base, kioskKey, 'en');
  await kioskSignIn(kiosk, pin);
  for (const page of [visitor, kiosk]) await phase(page, 'live', 20000);
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
  const scheme = (page) => page.evaluate(() => location.protocol);
  console.log(`PAGES visitor=${await scheme(visitor)} kiosk=${await scheme(kiosk)}`);
});

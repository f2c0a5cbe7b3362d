// Rate control with a real sender: the visitor's page in Chromium sends its camera to a
// resident whose downlink the test (a headless peer) narrows. Prints RAMPED once
// Chromium's video target is above 600 kbit/s, media has flowed for 12 s and the page
// says nothing about the connection (the test then narrows the resident's link to
// 300 kbit/s); then CAPPED once the target is at or below 450 kbit/s, as the server's
// ceiling (REMB) makes it; then WEAK once the page says the connection is slow. Fails if
// any of these takes more than 30 s.
// Usage: node rate.mjs BASE_URL SESSION_COOKIE VISIT_ID
import { launch, runSteps, FAKE_MEDIA } from './browser.mjs';
import { visitorReady, phase } from './visit_pages.mjs';

const [base, sessionCookie, visitId] = process.argv.slice(2);
const browser = await launch(FAKE_MEDIA);
await runSteps(browser, async () => {
  const visitor = await visitorReady(browser, base, sessionCookie, visitId, 'en');
  await phase(visitor, 'live', 20000);
  const live = Date.now();
  const sample = () => visitor.evaluate(() => window.ovVideoOut());
  const qualityShown = () => visitor.evaluate(() => !document.getElementById('visit-quality').hidden);
  // Polls until `ok(target)`; prints what it saw along the way.
  const until = async (what, ok) => {
    const giveUp = Date.now() + 30000;
    let last = await sample();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await sample();
      const sent = Math.round(((now.bytes - last.bytes) * 8) / 0.5);
      console.log(`SAMPLE target=${now.target} sent=${sent}`);
      last = now;
      if (await ok(now.target)) return now.target;
      if (Date.now() > giveUp) throw new Error(`${what}: not reached in 30 s`);
    }
  };
  const high = await until('ramping up', (t) => t > 600000 && Date.now() - live > 12000);
  if (await qualityShown()) throw new Error(`the page calls a fast connection slow (target ${high})`);
  console.log(`RAMPED ${high}`);
  const low = await until('capping', (t) => t > 0 && t <= 450000);
  console.log(`CAPPED ${low}`);
  await until('the page saying so', () => qualityShown());
  const text = await visitor.textContent('#visit-quality');
  if (!text.includes('connection is slow')) throw new Error(`the notice says: ${text}`);
  console.log(`WEAK ${text}`);
});

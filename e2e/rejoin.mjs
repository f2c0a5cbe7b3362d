// A server restart during a live visit, as the pages see it: the visitor's page and the
// housing kiosk's page hold a visit; the test restarts the server on the same address;
// both pages come back by themselves (a new ticket, a new connection), decode video
// again and keep the announced end, then end with the visit. Prints how long each page
// took from losing its connection to its first decoded frame after it.
// Usage: node rejoin.mjs BASE_URL SESSION_COOKIE KIOSK_KEY PIN VISIT_ID
import { launch, runSteps, FAKE_MEDIA } from './browser.mjs';
import { visitorReady, kioskPage, kioskSignIn, phase } from './visit_pages.mjs';

const [base, sessionCookie, kioskKey, pin, visitId] = process.argv.slice(2);
const REJOIN_GOAL_MS = 5000;
const browser = await launch(FAKE_MEDIA);
await runSteps(browser, async () => {
  const visitor = await visitorReady(browser, base, sessionCookie, visitId, 'en');
  const kiosk = await kioskPage(browser, base, kioskKey, 'en');
  await kioskSignIn(kiosk, pin);
  for (const page of [visitor, kiosk]) await phase(page, 'live', 20000);
  const endsAt = await visitor.evaluate(() => window.ovEndsAt());
  // The test restarts the server once both decode video; each page notices on its own.
  const rejoinMs = (page) => page.evaluate(async () => {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    let giveUp = Date.now() + 60000;
    while (!window.ovReconnecting()) {
      if (Date.now() > giveUp) throw new Error('the connection never dropped');
      await sleep(10);
    }
    const dropped = Date.now();
    giveUp = dropped + 20000;
    while (window.ovReconnecting() || (await window.ovFramesDecoded()) === 0) {
      if (Date.now() > giveUp) throw new Error('no video 20 s after the drop');
      await sleep(10);
    }
    return Date.now() - dropped;
  });
  const [v, k] = await Promise.all([rejoinMs(visitor), rejoinMs(kiosk)]);
  console.log(`REJOIN_MS visitor=${v} kiosk=${k}`);
  if (v > REJOIN_GOAL_MS || k > REJOIN_GOAL_MS) throw new Error(`a page took over ${REJOIN_GOAL_MS} ms to come back`);
  for (const page of [visitor, kiosk]) {
    const after = await page.evaluate(() => window.ovEndsAt());
    if (after !== endsAt) throw new Error(`the end moved: ${endsAt} -> ${after}`);
  }
  for (const page of [visitor, kiosk]) await phase(page, 'ended', 90000);
});

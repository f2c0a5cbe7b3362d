// Rate control with a real sender: the visitor's page sends its camera to a resident
// whose downlink the test (a headless peer) narrows (to 300 kbit/s for Chromium, to
// 100 kbit/s for Firefox, whose fake camera sends less).
//
// In Chromium (the default): prints RAMPED once Chromium's video target is above
// 600 kbit/s, media has flowed for 12 s and the page says nothing about the connection
// (the test then narrows the link); then CAPPED once the target is at or below
// 450 kbit/s, as the server's ceiling (REMB) makes it; then WEAK once the page says the
// connection is slow.
// In Firefox, which reports no target: RAMPED once media has flowed for 12 s and the
// page says nothing; then WEAK once the page says the connection is slow (the server's
// `link` message); then, once the test lifts the limit, CLEARED when the note goes.
// Fails if any step takes more than its time.
// Usage: node rate.mjs BASE_URL SESSION_COOKIE VISIT_ID [chromium|firefox] [LANG]
import * as readline from 'node:readline';
import { launch, launchFirefox, runSteps, FAKE_MEDIA } from './browser.mjs';
import { firefoxVisitorReady, visitorReady } from './visit_pages.mjs';

const [base, sessionCookie, visitId, which = 'chromium', lang = 'en'] = process.argv.slice(2);
const firefox = which === 'firefox';
const slowSays = { en: 'connection is slow', es: 'conexión es lenta' };
const browser = firefox ? await launchFirefox() : await launch(FAKE_MEDIA);
// In Firefox the test writes a line to our standard input once it has lifted the limit.
const lines = firefox ? readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]() : null;

await runSteps(browser, async () => {
  const visitor = firefox
    ? await firefoxVisitorReady(browser, base, sessionCookie, visitId, lang)
    : await visitorReady(browser, base, sessionCookie, visitId, lang);
  const isLive = () => document.getElementById('visit').dataset.phase === 'live';
  // playwright takes (fn, arg, options), puppeteer (fn, options).
  await (firefox ? visitor.waitForFunction(isLive, { timeout: 20000 })
    : visitor.waitForFunction(isLive, null, { timeout: 20000 }));
  const live = Date.now();
  const sample = () => visitor.evaluate(() => window.ovVideoOut());
  const qualityShown = () => visitor.evaluate(() => !document.getElementById('visit-quality').hidden);
  // Polls until `ok(target)`; prints what it saw along the way.
  const until = async (what, ok, seconds = 30) => {
    const giveUp = Date.now() + seconds * 1000;
    let last = await sample();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await sample();
      const sent = Math.round(((now.bytes - last.bytes) * 8) / 0.5);
      console.log(`SAMPLE target=${now.target} sent=${sent} note=${await qualityShown()}`);
      last = now;
      if (await ok(now.target)) return now.target;
      if (Date.now() > giveUp) throw new Error(`${what}: not reached in ${seconds} s`);
    }
  };
  const fastEnough = firefox ? () => true : (t) => t > 600000;
  const high = await until('ramping up', (t) => fastEnough(t) && Date.now() - live > 12000);
  if (await qualityShown()) throw new Error(`the page calls a fast connection slow (target ${high})`);
  console.log(`RAMPED ${high}`);
  if (!firefox) {
    const low = await until('capping', (t) => t > 0 && t <= 450000);
    console.log(`CAPPED ${low}`);
  }
  await until('the page saying the connection is slow', () => qualityShown());
  const text = await visitor.evaluate(() => document.getElementById('visit-quality').textContent);
  if (!text.includes(slowSays[lang])) throw new Error(`the notice says: ${text}`);
  console.log(`WEAK ${text}`);
  if (firefox) {
    const told = await Promise.race([lines.next(),
      new Promise((r) => setTimeout(() => r({ done: true }), 20000))]);
    if (told.done) throw new Error('the test never said the link is fast again');
    await until('the note going once the link is fast', async () => !(await qualityShown()), 60);
    console.log('CLEARED');
  }
});

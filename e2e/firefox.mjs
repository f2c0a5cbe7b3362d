// A visit across two browsers: the visitor at home in Firefox, the resident at the
// housing-unit kiosk in Chromium. Each page decodes the other's video (getStats
// framesDecoded rising) over UDP, and both say the visit ended when the server ends it
// at the scheduled end. The visitor's page is in LANG.
// Usage: node firefox.mjs BASE_URL SESSION_COOKIE KIOSK_KEY PIN VISIT_ID LANG
import { launch, launchFirefox, FAKE_MEDIA } from './browser.mjs';
import { firefoxVisitorReady, kioskPage, kioskSignIn, phase } from './visit_pages.mjs';

const [base, sessionCookie, kioskKey, pin, visitId, lang] = process.argv.slice(2);
const ended = { en: 'The visit has ended.', es: 'La visita ha terminado.' };
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
const firefox = await launchFirefox();
const chromium = await launch(FAKE_MEDIA);
try {
  const visitor = await firefoxVisitorReady(firefox, base, sessionCookie, visitId, lang);

  const kiosk = await kioskPage(chromium, base, kioskKey, 'en');
  await kioskSignIn(kiosk, pin);

  const live = () => document.getElementById('visit').dataset.phase === 'live';
  await visitor.waitForFunction(live, { timeout: 20000 }).catch(() => fail('the Firefox visitor never went live'));
  await phase(kiosk, 'live', 20000).catch(() => fail('the kiosk never went live'));
  const liveAt = Date.now();

  const frames = async () => [await visitor.evaluate(() => window.ovFramesDecoded()),
    await kiosk.evaluate(() => window.ovFramesDecoded())];
  let first = [0, 0];
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && (first[0] < 10 || first[1] < 10)) {
    first = await frames();
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const later = await frames();
  if (!(first[0] >= 10 && later[0] > first[0])) fail(`Firefox (visitor) frames not rising: ${first[0]} -> ${later[0]}`);
  if (!(first[1] >= 10 && later[1] > first[1])) fail(`Chromium (kiosk) frames not rising: ${first[1]} -> ${later[1]}`);
  const transport = [await visitor.evaluate(() => window.ovTransport()), await kiosk.evaluate(() => window.ovTransport())];
  if (transport[0] !== 'udp' || transport[1] !== 'udp') fail(`media goes over ${transport}, not udp`);

  // A fast link: past the first 10 s of media, neither page says the connection is slow.
  await new Promise((r) => setTimeout(r, Math.max(0, liveAt + 14000 - Date.now())));
  const slowNote = (page) => page.evaluate(() => !document.getElementById('visit-quality').hidden);
  const target = await visitor.evaluate(async () => (await window.ovVideoOut()).target);
  if (await slowNote(visitor)) fail(`Firefox calls a fast connection slow (its camera target: ${target})`);
  if (await slowNote(kiosk)) fail('the kiosk calls a fast connection slow');

  const isEnded = () => document.getElementById('visit').dataset.phase === 'ended';
  await visitor.waitForFunction(isEnded, { timeout: 90000 }).catch(() => fail('Firefox was not told the visit ended'));
  await phase(kiosk, 'ended', 90000).catch(() => fail('the kiosk was not told the visit ended'));
  const said = [await visitor.$eval('#visit-status', (e) => e.textContent.trim()),
    (await kiosk.textContent('#visit-status')).trim()];
  if (said[0] !== ended[lang]) fail(`Firefox says "${said[0]}" at the end`);
  if (said[1] !== ended.en) fail(`the kiosk says "${said[1]}" at the end`);
  console.log(JSON.stringify({ first, later, transport, target, said }));
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  await chromium.close();
  await firefox.close();
}
process.exit(failures ? 1 : 0);

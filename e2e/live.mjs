// A live visit in two Chromium pages with fake camera and microphone: the visitor's
// page and the housing-unit kiosk page join a booked visit, each decodes the other's
// video (getStats framesDecoded rising), and both say the visit ended when the server
// ends it at the scheduled end.
// A staff member signs in on the sign-in page with their authenticator code, watches
// both sides silently, and afterwards plays the recording back.
// Both pages' media goes over UDP, though the server also offers TCP.
// Usage: node live.mjs BASE_URL SESSION_COOKIE KIOSK_KEY PIN VISIT_ID LANG STAFF_EMAIL
//        STAFF_PASSWORD STAFF_TOTP_SECRET SERVER_CLOCK_OFFSET_MS
import { totp } from './totp.mjs';
import { launch, FAKE_MEDIA } from './browser.mjs';
import { AxeBuilder } from '@axe-core/playwright';
import { setUpKiosk } from './visit_pages.mjs';

const [base, sessionCookie, kioskKey, pin, visitId, lang, staffEmail, staffPassword, staffSecret, offsetMs] = process.argv.slice(2);

const ended = lang === 'es' ? 'La visita ha terminado.' : 'The visit has ended.';
const browser = await launch(FAKE_MEDIA);
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
const url = new URL(base);
try {
  const visitorCtx = await browser.newContext({ locale: lang });
  const [name, value] = sessionCookie.split('=');
  await visitorCtx.addCookies([{ name, value, domain: url.hostname, path: '/' }]);
  const visitor = await visitorCtx.newPage();
  await visitor.goto(`${base}/visits/${visitId}/join?lang=${lang}`);
  const axe = await new AxeBuilder({ page: visitor }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
  if (axe.violations.length) fail('visit page axe: ' + JSON.stringify(axe.violations.map((v) => v.id)));
  await visitor.click('#check');
  await visitor.waitForSelector('#ready:not([disabled])');
  await visitor.click('#ready');

  const kioskCtx = await browser.newContext({ locale: lang });
  const kiosk = await kioskCtx.newPage();
  await setUpKiosk(kiosk, base, kioskKey, lang);
  await kiosk.goto(`${base}/kiosk?lang=${lang}`);
  await kiosk.waitForSelector('#kiosk-sign-in:not([hidden])');
  const next = await kiosk.textContent('#kiosk-next');
  if (!/Resident/.test(next)) fail('the kiosk does not show its next visit: ' + next);
  const kioskAxe = await new AxeBuilder({ page: kiosk }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
  if (kioskAxe.violations.length) fail('kiosk page axe: ' + JSON.stringify(kioskAxe.violations.map((v) => v.id)));
  await kiosk.fill('#kiosk-secret', pin);
  await kiosk.click('#kiosk-sign-in button[type=submit]');

  for (const [who, page] of [['visitor', visitor], ['kiosk', kiosk]]) {
    await page.waitForFunction(() => document.getElementById('visit').dataset.phase === 'live', null, { timeout: 20000 })
      .catch(() => fail(who + ' never went live'));
  }
  // Join time: from the server's word that both are in to the first decoded frame.
  const joinMs = (page) => page.evaluate(async () => {
    while ((await window.ovFramesDecoded()) === 0) await new Promise((r) => setTimeout(r, 10));
    return Date.now() - window.ovStartedAt;
  });
  const [visitorJoin, kioskJoin] = await Promise.all([joinMs(visitor), joinMs(kiosk)]);
  console.log(`JOIN_MS lang=${lang} visitor=${visitorJoin} kiosk=${kioskJoin}`);
  const frames = async (page) => page.evaluate(() => window.ovFramesDecoded());
  const first = { visitor: 0, kiosk: 0 };
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && (first.visitor < 10 || first.kiosk < 10)) {
    first.visitor = await frames(visitor);
    first.kiosk = await frames(kiosk);
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const later = { visitor: await frames(visitor), kiosk: await frames(kiosk) };
  if (!(first.visitor >= 10 && later.visitor > first.visitor)) fail(`visitor frames not rising: ${first.visitor} -> ${later.visitor}`);
  if (!(first.kiosk >= 10 && later.kiosk > first.kiosk)) fail(`kiosk frames not rising: ${first.kiosk} -> ${later.kiosk}`);
  const transport = { visitor: await visitor.evaluate(() => window.ovTransport()), kiosk: await kiosk.evaluate(() => window.ovTransport()) };
  if (transport.visitor !== 'udp') fail(`the visitor's media goes over ${transport.visitor}`);
  if (transport.kiosk !== 'udp') fail(`the kiosk's media goes over ${transport.kiosk}`);

  // A staff monitor receives both sides; the parties' pages do not change.
  const staffCtx = await browser.newContext({ locale: lang });
  const staff = await staffCtx.newPage();
  await staff.goto(`${base}/sign-in?lang=${lang}`);
  await staff.fill('#email', staffEmail);
  await staff.fill('#password', staffPassword);
  // Without the code the password alone is refused.
  await staff.click('form[action="/sign-in"] button[type=submit]');
  await staff.waitForSelector('#form-error');
  await staff.fill('#password', staffPassword);
  await staff.fill('#code', totp(staffSecret, Date.now() + Number(offsetMs)));
  await staff.click('form[action="/sign-in"] button[type=submit]');
  await staff.waitForURL(/\/staff\/live/, { timeout: 15000 }).catch(() => fail('staff did not land on the live page after signing in with the code'));
  await staff.waitForSelector(`button.watch[data-visit="${visitId}"]`, { timeout: 15000 });
  const staffAxe = await new AxeBuilder({ page: staff }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
  if (staffAxe.violations.length) fail('monitor page axe: ' + JSON.stringify(staffAxe.violations.map((v) => v.id)));
  await staff.click(`button.watch[data-visit="${visitId}"]`);
  let watched = [0, 0];
  const watchUntil = Date.now() + 20000;
  while (Date.now() < watchUntil && (watched[0] < 5 || watched[1] < 5)) {
    watched = await staff.evaluate(() => window.ovMonitorFrames());
    await new Promise((r) => setTimeout(r, 500));
  }
  if (watched[0] < 5 || watched[1] < 5) fail('the monitor does not see both sides: ' + watched);

  // Staff's words reach both pages in each page's language, or the other one, marked
  // as such when staff wrote only that one (visit.js's fallback).
  const es = lang === 'es';
  for (const [text, textEs, saysVisitor] of [
    ['Please show your ID to the camera.', '', es ? 'Un mensaje del centro: (El personal lo escribió solo en inglés.) Please show your ID to the camera.' : 'A message from the facility: Please show your ID to the camera.'],
    ['', 'Muestra tu identificación a la cámara.', es ? 'Un mensaje del centro: Muestra tu identificación a la cámara.' : 'A message from the facility: (Staff wrote this in Spanish only.) Muestra tu identificación a la cámara.'],
  ]) {
    const r = await staffCtx.request.post(`${base}/api/v1/staff/visits/${visitId}/notices`, {
      data: { kind: 'other', text, text_es: textEs }, headers: { origin: base },
    });
    if (r.status() !== 201 && r.status() !== 200) fail(`posting a notice: ${r.status()} ${await r.text()}`);
    await visitor.waitForFunction((want) => document.getElementById('visit-notice').textContent === want, saysVisitor, { timeout: 10000 })
      .catch(async () => fail(`the visitor's notice reads "${await visitor.textContent('#visit-notice')}", not "${saysVisitor}"`));
  }

  // The server ends the visit at the scheduled end; both pages say so.
  for (const [who, page] of [['visitor', visitor], ['kiosk', kiosk]]) {
    await page.waitForFunction(() => document.getElementById('visit').dataset.phase === 'ended', null, { timeout: 90000 })
      .catch(() => fail(who + ' was not told the visit ended'));
    const text = await page.textContent('#visit-status');
    if (text.trim() !== ended) fail(`${who} says "${text}" at the end`);
  }
  // The recording plays back in the browser, one video per side.
  const recUntil = Date.now() + 20000;
  let durations = [];
  while (Date.now() < recUntil) {
    await staff.goto(`${base}/staff/visits/${visitId}/recording?lang=${lang}`);
    const count = await staff.locator('video').count();
    if (count === 2) {
      durations = await staff.evaluate(() => Promise.all([...document.querySelectorAll('video')].map((v) => new Promise((res) => {
        if (v.readyState >= 1) res(v.duration);
        v.addEventListener('loadedmetadata', () => res(v.duration));
        v.addEventListener('error', () => res(-1));
        setTimeout(() => res(-2), 10000);
      }))));
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (durations.length !== 2 || !durations.every((d) => d > 1)) fail('the recording does not play: ' + JSON.stringify(durations));
  console.log(JSON.stringify({ first, later, transport, watched, durations }));
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);

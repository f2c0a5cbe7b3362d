// Staff end a live visit from the live page: the visitor's page (in LANG) and the kiosk
// page hold the visit; a staff member signs in with their authenticator code, types a
// reason, waits while the live list redraws itself, and ends the visit. Both pages say
// the facility ended it, each in its own language.
// Usage: node staff_end.mjs BASE_URL SESSION_COOKIE KIOSK_KEY PIN VISIT_ID LANG STAFF_EMAIL
//        STAFF_PASSWORD STAFF_TOTP_SECRET SERVER_CLOCK_OFFSET_MS REASON
import { totp } from './totp.mjs';
import { launch, FAKE_MEDIA } from './browser.mjs';
import { visitorReady, kioskPage, kioskSignIn, phase } from './visit_pages.mjs';

const [base, sessionCookie, kioskKey, pin, visitId, lang, staffEmail, staffPassword, staffSecret, offsetMs, reason] = process.argv.slice(2);
const endedByFacility = { en: 'The visit was ended by the facility.', es: 'El centro terminó la visita.' };
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
const browser = await launch(FAKE_MEDIA);
try {
  const visitor = await visitorReady(browser, base, sessionCookie, visitId, lang);
  const kiosk = await kioskPage(browser, base, kioskKey, 'en');
  await kioskSignIn(kiosk, pin);
  for (const [who, page] of [['visitor', visitor], ['kiosk', kiosk]]) {
    await phase(page, 'live', 20000).catch(() => fail(`${who} never went live`));
  }

  const staff = await (await browser.newContext({ locale: 'en' })).newPage();
  await staff.goto(`${base}/sign-in`);
  await staff.fill('#email', staffEmail);
  await staff.fill('#password', staffPassword);
  await staff.fill('#code', totp(staffSecret, Date.now() + Number(offsetMs)));
  await staff.click('form[action="/sign-in"] button[type=submit]');
  await staff.waitForURL(/\/staff\/live/, { timeout: 15000 });
  const input = `#reason-${visitId}`;
  await staff.waitForSelector(input, { timeout: 15000 });
  await staff.fill(input, reason);
  // The list redraws itself every 5 s; what was typed stays, and so does the focus.
  await new Promise((r) => setTimeout(r, 6000));
  const kept = await staff.inputValue(input);
  if (kept !== reason) fail(`the reason typed became "${kept}" when the list redrew`);
  if (!(await staff.evaluate((id) => document.activeElement && document.activeElement.id === id, input.slice(1)))) {
    fail('the reason field lost the focus when the list redrew');
  }
  staff.on('dialog', (d) => { fail('an alert: ' + d.message()); d.dismiss(); });
  await staff.click(`${input} ~ button`);

  for (const [who, page, language] of [['visitor', visitor, lang], ['kiosk', kiosk, 'en']]) {
    await phase(page, 'ended', 15000).catch(() => fail(`${who} was not told the visit ended`));
    const said = (await page.textContent('#visit-status')).trim();
    if (said !== endedByFacility[language]) fail(`${who} says "${said}"`);
  }
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);

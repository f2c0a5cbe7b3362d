// The whole visitor journey in Chromium, against a server that sends real email over
// SMTP: sign up, open the emailed link, sign in, ask for approval (staff approve through
// the API), add funds, book a remote visit at the displayed price, see it under "My
// visits", read the booking email and its .ics, cancel, see the refund in the history.
// With KEYBOARD=1 every step is done with Tab, Space and Enter only.
// Staff sign in through the API with their authenticator code (TOTP, from STAFF_SECRET).
// Usage: node journey.mjs BASE_URL SMTP_DIR LANG EMAIL STAFF_EMAIL STAFF_PASSWORD STAFF_SECRET
import { launch, NO_GPU } from './browser.mjs';
import { AxeBuilder } from '@axe-core/playwright';
import { totp } from './totp.mjs';
import fs from 'node:fs';
import path from 'node:path';

const [base, smtpDir, lang, email, staffEmail, staffPassword, staffSecret] = process.argv.slice(2);

const keyboard = process.env.KEYBOARD === '1';
const es = lang === 'es';
const say = (en, sp) => (es ? sp : en);
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
const expect = (cond, msg) => { if (!cond) fail(msg); };

// --- email: decode the MIME parts of the messages the SMTP server saved
function decodePart(part) {
  const split = part.indexOf('\r\n\r\n') >= 0 ? part.indexOf('\r\n\r\n') : part.indexOf('\n\n');
  const headers = part.slice(0, split);
  let body = part.slice(split).trim();
  if (/Content-Transfer-Encoding:\s*base64/i.test(headers)) body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(headers)) {
    body = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return { headers, body };
}
function messagesTo(to) {
  return fs.readdirSync(smtpDir).sort().map((f) => fs.readFileSync(path.join(smtpDir, f), 'utf8'))
    .filter((m) => m.includes(to))
    .map((m) => {
      const boundary = (m.match(/boundary="?([^";\r\n]+)"?/) || [])[1];
      const parts = boundary ? m.split('--' + boundary).slice(1, -1) : [m];
      return parts.map(decodePart);
    });
}
async function waitForMail(to, count) {
  for (let i = 0; i < 100; i++) {
    const all = messagesTo(to);
    if (all.length >= count) return all[count - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email #${count} to ${to}`);
}

const browser = await launch(NO_GPU);
const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: es ? 'es-MX' : 'en-US' });
const page = await context.newPage();
async function axe(step) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  for (const v of r.violations) fail(`${step}: ${v.id}: ${v.help}`);
}
// Keyboard-only: Tab until the element matching `selector` has focus.
async function tabTo(selector) {
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}
async function activate(selector) {
  if (keyboard) { await tabTo(selector); await page.keyboard.press('Enter'); } else { await page.click(selector); }
}
// A radio button: Tab reaches its group, the arrow keys move the choice.
async function choose(name, value) {
  const selector = `input[name=${name}][value="${value}"]`;
  if (!keyboard) { await page.check(selector); return; }
  await tabTo(`input[name=${name}]`);
  // In a group with nothing chosen yet, Tab stops on the first button; Space takes it.
  await page.keyboard.press('Space');
  for (let i = 0; i < 20 && !(await page.isChecked(selector)); i++) await page.keyboard.press('ArrowDown');
  if (!(await page.isChecked(selector))) throw new Error(`could not choose ${selector} with the keyboard`);
}
async function type(selector, text) {
  if (keyboard) { await tabTo(selector); await page.keyboard.type(text); } else { await page.fill(selector, text); }
}
const h1 = () => page.textContent('h1');

try {
  // 1. Sign up.
  await page.goto(base + '/');
  await activate('a[href="/register"]');
  await page.waitForSelector('#display_name');
  await type('#display_name', es ? 'Lucía Gómez' : 'Sam Carter');
  await type('#email', email);
  await type('#password', 'a long enough password');
  await activate('form[action="/register"] button');
  await page.waitForSelector('h1');
  expect((await h1()) === say('Check your email', 'Revisa tu correo'), `after sign-up: ${await h1()}`);
  // 2. The confirmation email, over SMTP.
  const confirm = await waitForMail(email, 1);
  const confirmText = confirm.map((p) => p.body).join('\n');
  expect(confirmText.includes(say('confirm your email address', 'confirmar tu correo')), 'confirmation email language');
  const link = confirmText.match(/https?:\/\/\S+\/verify\?token=[0-9a-f]+/)[0];
  await page.goto(link);
  expect((await h1()) === say('Your email address is confirmed', 'Tu correo electrónico está confirmado'), 'confirmed');
  // 3. Sign in.
  await page.goto(base + '/sign-in');
  await type('#email', email);
  await type('#password', 'a long enough password');
  await activate('form[action="/sign-in"] button');
  await page.waitForURL(base + '/account');
  // 4. Ask to visit Casey Johnson at Riverside; staff approve through the API.
  await page.goto(base + '/people');
  if (keyboard) {
    await tabTo('#facility');
    const label = () => page.$eval('#facility', (el) => el.options[el.selectedIndex].text);
    for (let i = 0; i < 10 && (await label()) !== 'Riverside County Jail'; i++) await page.keyboard.press('ArrowDown');
    expect((await label()) === 'Riverside County Jail', 'chose the facility with the keyboard');
  } else {
    await page.selectOption('#facility', { label: 'Riverside County Jail' });
  }
  await type('#q', 'Casey');
  await activate('form[action="/people"][method=get] button');
  await page.waitForSelector('form[action="/people"][method=post] button');
  await axe('people search');
  await activate('form[action="/people"][method=post] button');
  await page.waitForSelector('.ok');
  // A code works once: if another run used this step's code, wait for the next step.
  let login;
  for (let attempt = 0; attempt < 3; attempt++) {
    login = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: staffEmail, password: staffPassword, code: totp(staffSecret, Date.now()) }) });
    if (login.ok) break;
    await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 500));
  }
  expect(login.ok, 'staff sign-in with the authenticator code: ' + login.status);
  const staffCookie = login.headers.get('set-cookie').split(';')[0];
  const pending = await (await fetch(base + '/api/v1/staff/approvals?status=pending', { headers: { cookie: staffCookie } })).json();
  for (const a of pending) {
    const r = await fetch(`${base}/api/v1/staff/approvals/${a.id}`, { method: 'POST', headers: { cookie: staffCookie, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'approved' }) });
    expect(r.status === 200, `approve ${a.id}: ${r.status}`);
  }
  // 5. Add $20.00.
  await page.goto(base + '/funds');
  await choose('amount_cents', '2000');
  await activate('form[action="/funds"] button');
  await page.waitForURL(/added=true/);
  expect((await page.textContent('.lead')).includes('$20.00'), 'balance after adding funds');
  // 6. Book 30 minutes, the third day with free times (always beyond the 24-hour
  // cancellation notice, whatever the time of day), the first time.
  await page.goto(base + '/people');
  await activate('a.button[href^="/book"]');
  // First the facility's visiting rules, read and accepted once.
  await page.waitForSelector('form[action="/book/rules"]');
  expect((await h1()) === say('Before you book at Riverside County Jail', 'Antes de reservar en Riverside County Jail'), `rules page: ${await h1()}`);
  expect((await page.textContent('ul.rules')).includes(say('Dress modestly', 'Vístete con recato')), 'the rules in the page language');
  await axe('rules');
  await activate('form[action="/book/rules"] button');
  await page.waitForSelector('input[name=length]');
  await choose('length', '30');
  await activate('form[action="/book"][method=get] button');
  await page.waitForSelector('.calendar a');
  const third = await page.getAttribute('.calendar a >> nth=2', 'href');
  await activate(`.calendar a[href="${third}"]`);
  await page.waitForSelector(`.calendar a[aria-current="date"][href="${third}"]`);
  const start = await page.getAttribute('input[name=start] >> nth=0', 'value');
  await choose('start', start);
  const priceText = await page.textContent('form[action="/book"][method=post] p');
  expect(priceText.includes('$5.70'), `price shown before paying: ${priceText}`);
  await axe('book');
  await activate('form[action="/book"][method=post] button');
  await page.waitForURL(/notice=booked/);
  const visits = await page.textContent('main');
  expect(visits.includes(say('Your visit is booked.', 'Tu visita está reservada.')), 'booked notice');
  expect(visits.includes('Casey Johnson'), 'the visit is listed');
  await axe('my visits');
  // 7. The booking email and its invitation, with the right UTC times.
  const booked = await waitForMail(email, 2);
  const ics = booked.map((p) => p.body).find((b) => b.includes('BEGIN:VCALENDAR'));
  expect(!!ics, 'an .ics attachment');
  const utc = (secs) => new Date(secs * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  expect(ics.includes('DTSTART:' + utc(Number(start))), `DTSTART is ${utc(Number(start))}`);
  expect(ics.includes('DTEND:' + utc(Number(start) + 1800)), 'DTEND is 30 minutes later');
  expect(booked.some((p) => p.body.includes(say('is booked', 'está reservada'))), 'booking email language');
  // 8. Cancel inside the policy: the whole price comes back.
  // Cancelling asks once, saying what comes back.
  await activate('a.danger[href$="/cancel"]');
  await page.waitForURL(/\/visits\/\d+\/cancel$/);
  expect((await page.textContent('main')).includes('$5.70'), 'the question says what comes back');
  await axe('cancel question');
  await activate('form[action$="/cancel"] button.danger');
  await page.waitForURL(/notice=cancelled/);
  expect((await page.textContent('main')).includes('$5.70'), 'refund shown');
  await page.goto(base + '/funds');
  expect((await page.textContent('.lead')).includes('$20.00'), 'balance restored');
  const history = await page.textContent('main');
  expect(history.includes('-$5.70') && history.includes('$5.70'), 'charge and refund in the history');
  const cancelMail = await waitForMail(email, 3);
  expect(cancelMail.some((p) => p.body.includes('STATUS:CANCELLED')), 'cancellation .ics');
  await axe('funds');
  await page.click('a[href^="/receipts/"] >> nth=0');
  await page.waitForSelector('dl.receipt');
  await axe('receipt');
  await page.goto(base + '/account');
  await axe('account');
  await page.goto(base + '/funds');
  if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/funds-${lang}-phone.png`, fullPage: true });
  console.log(`ok journey in ${lang}${keyboard ? ' with the keyboard only' : ''}`);
} finally {
  await browser.close();
}
if (failures > 0) { console.error(`${failures} failure(s)`); process.exit(1); }

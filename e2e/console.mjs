// The facility's console in Chromium, as a facility admin uses it: sign in with the
// authenticator code; a fee above the rate cap is refused with the cap shown (in
// English and Spanish) and a fee under it is saved; a roster CSV with a move and a
// release is previewed, then applied; a waiting visitor is approved; a visit is opened
// from the schedule board and cancelled with a refund; a blackout shows who it affects,
// then cancels them, and is lifted; a question is answered. Reports and the audit log show the day's
// work, and axe checks every console page.
// Usage: node console.mjs SETUP_JSON (see the test in tests/it/console.rs)
import { totp } from './totp.mjs';
import { launch } from './browser.mjs';
import { AxeBuilder } from '@axe-core/playwright';

const setup = JSON.parse(process.argv[2]);
const { base, email, password, secret, offsetMs, rosterCsv, cancelVisit, cancelDay, newcomer, blackoutStart, blackoutEnd, reference, reply } = setup;


const browser = await launch();
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
const step = (msg) => console.log('step: ' + msg);
async function axe(page, name) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
  if (r.violations.length) fail(`${name} axe: ` + JSON.stringify(r.violations.map((v) => [v.id, v.nodes.map((n) => n.target)])));
}
// Clicks what submits a form and waits for the page the console then loads, so that the
// message read is the new one and nothing later races with the reload.
async function submit(page, locator) {
  const loaded = page.waitForEvent('load', { timeout: 15000 });
  await locator.click();
  await loaded;
  return flash(page);
}
async function flash(page) {
  await page.waitForSelector('#console-flash:not([hidden])', { timeout: 15000 });
  return page.textContent('#console-flash');
}

try {
  const ctx = await browser.newContext({ locale: 'en' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => fail('page error: ' + e.message));

  step('sign in with the authenticator code');
  await page.goto(`${base}/sign-in?lang=en`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.fill('#code', totp(secret, Date.now() + Number(offsetMs)));
  await page.click('form[action="/sign-in"] button[type=submit]');
  await page.waitForURL(/\/staff\//, { timeout: 15000 }).catch(() => fail('staff did not reach the console after signing in'));

  step('a fee above the rate cap is refused, with the cap');
  await page.goto(`${base}/staff/settings`);
  await axe(page, 'settings');
  await page.fill('#fee_cents', '99.00');
  await page.click('#settings-form button[type=submit]');
  const refusal = page.locator('#settings-form .form-status.error');
  await refusal.waitFor({ timeout: 10000 });
  const refusalText = await refusal.textContent();
  if (!/above this facility's rate cap of \$\d+\.\d\d/.test(refusalText)) fail('the cap refusal does not name the cap: ' + refusalText);
  await page.goto(`${base}/staff/settings?lang=es`);
  await page.fill('#fee_cents', '99.00');
  await page.click('#settings-form button[type=submit]');
  await page.locator('#settings-form .form-status.error').waitFor({ timeout: 10000 });
  const spanish = await page.textContent('#settings-form .form-status.error');
  if (!/supera el tope de tarifa de este centro, \$\d+\.\d\d/.test(spanish)) fail('the Spanish refusal: ' + spanish);
  await axe(page, 'settings (es)');
  step('a fee under the cap is saved');
  await page.goto(`${base}/staff/settings?lang=en`);
  await page.fill('#fee_cents', '2.40');
  if (!/Saved/.test(await submit(page, page.locator('#settings-form button[type=submit]')))) fail('the fee was not saved');
  if ((await page.inputValue('#fee_cents')) !== '2.40') fail('the page does not show the new fee');
  await page.fill('#recording-days', '45');
  if (!/Saved/.test(await submit(page, page.locator('#retention-form button[type=submit]')))) fail('the retention period was not saved');

  step('a roster with a move and a release: preview, then apply');
  await page.goto(`${base}/staff/roster`);
  await axe(page, 'roster');
  await page.setInputFiles('#roster-file', { name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(rosterCsv) });
  await page.click('#roster-form button[type=submit]');
  await page.waitForSelector('#roster-result:not([hidden])');
  const heading = await page.textContent('#roster-heading');
  if (!/nothing has changed yet/.test(heading)) fail('the preview heading: ' + heading);
  const list = async (id) => (await page.locator(`#roster-${id} li`).allTextContents()).join(',');
  if ((await list('moved')) !== 'B00000') fail('preview moved: ' + (await list('moved')));
  if ((await list('released')) !== 'B00001') fail('preview released: ' + (await list('released')));
  if ((await list('added')) !== 'N00001') fail('preview added: ' + (await list('added')));
  const visitsLine = await page.textContent('#roster-visits');
  if (!/kept on a new kiosk: 1\./.test(visitsLine) || !/cancelled and refunded: 1\./.test(visitsLine)) fail('preview visits: ' + visitsLine);
  await axe(page, 'roster preview');
  await page.click('#roster-apply button[type=submit]');
  await page.waitForFunction(() => /applied/.test(document.getElementById('roster-heading').textContent), null, { timeout: 10000 })
    .catch(() => fail('the roster was not applied'));

  step('approve a waiting visitor');
  await page.goto(`${base}/staff/approvals`);
  await axe(page, 'approvals');
  const card = page.locator('#approval-queue li', { hasText: newcomer });
  if ((await card.count()) !== 1) fail('the newcomer is not in the queue');
  if (!/decision is saved/.test(await submit(page, card.locator('button[value=approved]')))) fail('no confirmation of the approval');
  if ((await page.locator('#approval-queue li', { hasText: newcomer }).count()) !== 0) fail('the approved visitor is still waiting');

  step('open a visit from the schedule board and cancel it with a refund');
  await page.goto(`${base}/staff/schedule?date=${cancelDay}`);
  await axe(page, 'schedule');
  await page.click(`#board a[href="/staff/visits/${cancelVisit}"]`);
  await page.waitForURL(new RegExp(`/staff/visits/${cancelVisit}$`));
  await axe(page, 'visit');
  const refundBefore = await page.textContent('#visit-refund');
  if (refundBefore !== '$0.00') fail('refund before cancelling: ' + refundBefore);
  await page.fill('#cancel-reason', 'Unit lockdown');
  if (!/cancelled and the visitor refunded/.test(await submit(page, page.locator('#cancel-form button[type=submit]')))) fail('no confirmation of the cancellation');
  const status = await page.textContent('#visit-status');
  if (!/Cancelled/.test(status) || !/Unit lockdown/.test(status)) fail('visit status after cancelling: ' + status);
  const refundAfter = await page.textContent('#visit-refund');
  if (!/^\$[1-9]\d*\.\d\d$/.test(refundAfter)) fail('refund after cancelling: ' + refundAfter);

  step('a blackout shows who it affects, then cancels them');
  await page.goto(`${base}/staff/settings`);
  await page.fill('#b-start', blackoutStart);
  await page.fill('#b-end', blackoutEnd);
  await page.fill('#b-reason', 'Facility-wide lockdown');
  await page.click('#blackout-draft button[type=submit]');
  await page.waitForSelector('#blackout-preview');
  const affected = await page.locator('#blackout-preview tbody tr').count();
  if (affected !== 1) fail(`the blackout preview lists ${affected} visits, expected 1`);
  await axe(page, 'blackout preview');
  if (!/blackout is in place/.test(await submit(page, page.locator('#blackout-confirm')))) fail('no confirmation of the blackout');
  const row = page.locator('#blackouts tbody tr', { hasText: 'Facility-wide lockdown' });
  if ((await row.count()) !== 1) fail('the blackout is not listed');
  await axe(page, 'settings with a blackout');
  // The lockdown ends early: staff lift it, and it is no longer listed.
  if (!/blackout is lifted/.test(await submit(page, row.locator('button')))) fail('no confirmation of lifting the blackout');
  if ((await page.locator('#blackouts tbody tr', { hasText: 'Facility-wide lockdown' }).count()) !== 0) fail('the lifted blackout is still listed');

  step('answer a question');
  await page.goto(`${base}/staff/support`);
  await axe(page, 'support inbox');
  await page.click(`a[href="/staff/support/${reference}"]`);
  await axe(page, 'ticket');
  await page.fill('#reply-body', reply);
  if (!/sent by email/.test(await submit(page, page.locator('#reply-form button[type=submit]')))) fail('no confirmation of the answer');
  if (!(await page.locator('#replies', { hasText: reply }).count())) fail('the answer is not shown');
  if (!/Answered/.test(await page.textContent('#ticket-status'))) fail('the ticket is not marked answered');

  step('reports and the audit log');
  await page.goto(`${base}/staff/reports?from=${cancelDay}&to=${cancelDay}`);
  await axe(page, 'reports');
  const total = await page.locator('#report tfoot').textContent();
  if (!/\$/.test(total)) fail('the report has no totals: ' + total);
  await page.goto(`${base}/staff/audit?action=roster.`);
  await axe(page, 'audit');
  const lines = await page.locator('#audit tbody tr').allTextContents();
  if (lines.length !== 1 || !/roster\.import/.test(lines[0])) fail('the audit filter: ' + JSON.stringify(lines));
  await page.goto(`${base}/staff/audit?action=roster.&lang=es`);
  await axe(page, 'audit (es)');
  await page.goto(`${base}/staff/schedule?date=${cancelDay}&lang=es`);
  await axe(page, 'schedule (es)');

  step('booking for a family: the approved families, then the calendar and times');
  await page.goto(`${base}/staff/book`);
  const family = await page.getAttribute('ul.families a >> nth=0', 'href', { timeout: 5000 }).catch(() => null);
  if (!family) fail('no approved family to book for');
  else {
    await page.goto(base + family);
    await page.waitForSelector('.calendar a');
    await axe(page, 'book for a family');
  }

  step('no console page scrolls sideways on a 360 px phone, in either language');
  await page.setViewportSize({ width: 360, height: 740 });
  for (const lang of ['en', 'es']) {
    for (const path of [`/staff/schedule?date=${cancelDay}`, `/staff/visits/${cancelVisit}`, '/staff/approvals',
      '/staff/settings', `/staff/reports?from=${cancelDay}&to=${cancelDay}`, '/staff/audit', '/staff/support',
      `/staff/support/${reference}`, '/staff/emails', '/staff/live', '/staff/roster', '/staff/book',
      ...(family ? [family] : [])]) {
      await page.goto(`${base}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) {
        // The widest elements that stick out, to name in the failure.
        const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
          .slice(0, 4).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + e.className : ''} "${e.textContent.trim().slice(0, 30)}"`));
        fail(`${path} (${lang}, 360 px) scrolls sideways by ${overflow} px: ${wide.join('; ')}`);
      }
    }
  }
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);

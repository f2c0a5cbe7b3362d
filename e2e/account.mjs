// A newcomer signs up in Spanish with the keyboard alone, opens the confirmation link
// from the email, signs in and sees the account confirmed; axe-core checks each step.
// Usage: node account.mjs BASE_URL LINK_COMMAND
//   LINK_COMMAND is run to print the confirmation link once the email has arrived.
import { launch, NO_GPU } from './browser.mjs';
import { AxeBuilder } from '@axe-core/playwright';
import { execSync } from 'node:child_process';

const [base, linkCommand] = process.argv.slice(2);
const browser = await launch(NO_GPU);
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
async function axe(page, step) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  for (const v of r.violations) fail(`${step}: ${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'es-MX' });
  const page = await context.newPage();
  await page.goto(base + '/register');
  if ((await page.textContent('h1')) !== 'Crea tu cuenta') fail('the sign-up page is not in Spanish');
  await axe(page, 'register');
  // Keyboard only: Tab into the name field, type, Tab to the next, submit with Enter.
  await page.focus('#display_name');
  await page.keyboard.type('Ana Díaz');
  await page.keyboard.press('Tab');
  await page.keyboard.type('ana.diaz@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('short');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#form-error');
  const error = await page.textContent('#form-error');
  if (!error.includes('al menos 10 caracteres')) fail(`a short password gets "${error}"`);
  await axe(page, 'register with an error');
  await page.fill('#password', 'una contraseña larga');
  await page.press('#password', 'Enter');
  await page.waitForSelector('h1');
  if ((await page.textContent('h1')) !== 'Revisa tu correo') fail('no "check your email" page');
  const link = execSync(linkCommand).toString().trim();
  if (!link.includes('/verify?token=')) fail(`no confirmation link: ${link}`);
  await page.goto(link);
  if ((await page.textContent('h1')) !== 'Tu correo electrónico está confirmado') fail('the link did not confirm');
  await axe(page, 'verified');
  await page.goto(base + '/sign-in');
  await page.fill('#email', 'ana.diaz@example.com');
  await page.fill('#password', 'una contraseña larga');
  await page.press('#password', 'Enter');
  await page.waitForURL(base + '/account');
  const body = await page.textContent('main');
  if (!body.includes('Tu correo electrónico está confirmado.')) fail('the account page does not show the confirmed address');
  await axe(page, 'account');
  await page.screenshot({ path: process.env.SHOTS ? `${process.env.SHOTS}/account-es-phone.png` : '/dev/null', fullPage: true });
  // Their own emails on the server's outbox page (no mail server here), readable on the
  // phone: the long confirmation link wraps instead of widening the page.
  await page.goto(base + '/dev/outbox');
  if (!(await page.textContent('main')).includes('/verify?token=')) fail('the outbox does not list the confirmation email');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`the outbox scrolls sideways by ${overflow}px at 360 px`);
  await axe(page, 'outbox');
  console.log('ok sign-up, confirmation and sign-in in Spanish');
} finally {
  await browser.close();
}
if (failures > 0) { console.error(`${failures} failure(s)`); process.exit(1); }

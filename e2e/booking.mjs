// The demo visitor books a remote visit on the website in Spanish, sees it under
// "Mis visitas", cancels it and gets the money back; axe-core checks every page.
// Usage: node booking.mjs BASE_URL
import { launch, NO_GPU } from './browser.mjs';
import { AxeBuilder } from '@axe-core/playwright';

const [base] = process.argv.slice(2);
const browser = await launch(NO_GPU);
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
async function axe(page, step) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  for (const v of r.violations) fail(`${step}: ${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}
const shot = async (page, name) => { if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/${name}.png`, fullPage: true }); };
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'es-MX' });
  const page = await context.newPage();
  await page.goto(base + '/sign-in?lang=es');
  await page.fill('#email', 'visitor@demo.openvisit.test');
  await page.fill('#password', 'demo-visitor-pass');
  await page.press('#password', 'Enter');
  await page.waitForURL(base + '/account');
  await page.goto(base + '/people');
  await axe(page, 'people');
  const balanceBefore = await (async () => { await page.goto(base + '/funds'); return page.textContent('.lead'); })();
  await axe(page, 'funds');
  await page.goto(base + '/people');
  await page.click('text=Reservar una visita >> nth=0');
  await page.waitForSelector('h1');
  if (!(await page.textContent('h1')).startsWith('Reservar una visita con')) fail('no booking page');
  await axe(page, 'book: choose');
  // Keyboard: the length radios and the button work without a mouse.
  await page.focus('input[name=length] >> nth=1');
  await page.keyboard.press('Space');
  await page.click('text=Ver horarios libres');
  await page.waitForSelector('.days a');
  // The third day with free times is always more than the 24-hour cancellation notice away.
  await page.click('.days a >> nth=2');
  await page.waitForSelector('input[name=start]');
  await axe(page, 'book: times');
  const priceText = await page.textContent('form[action="/book"][method=post] p');
  if (!priceText.includes('Pagas $5.70')) fail(`price shown: ${priceText}`);
  await shot(page, 'book-es-phone');
  await page.click('text=Reservar y pagar');
  await page.waitForURL(/\/visits\?notice=booked/);
  const visits = await page.textContent('main');
  if (!visits.includes('Tu visita está reservada.')) fail('no booked notice');
  if (!visits.includes('hora del centro') || !visits.includes('tu hora')) fail('times not shown in both zones');
  await axe(page, 'visits');
  await shot(page, 'visits-es-phone');
  // Cancelling asks once, saying what comes back.
  await page.click('text=Cancelar esta visita');
  await page.waitForURL(/\/visits\/\d+\/cancel$/);
  const ask = await page.textContent('main');
  if (!ask.includes('Recibes $5.70 de vuelta')) fail(`the question does not say what comes back: ${ask}`);
  await axe(page, 'cancel');
  await page.click('text=Sí, cancelar la visita');
  await page.waitForURL(/notice=cancelled/);
  const after = await page.textContent('main');
  if (!after.includes('$5.70 volvió a tu saldo')) fail(`refund not shown: ${after}`);
  await page.goto(base + '/funds');
  const balanceAfter = await page.textContent('.lead');
  if (balanceAfter !== balanceBefore) fail(`balance ${balanceBefore} -> ${balanceAfter}`);
  const history = await page.textContent('main');
  if (!history.includes('Reembolso · con ') || !history.includes('$5.70')) fail('ledger history does not show the refund');
  // The receipts and the account page pass axe too.
  await page.click('a[href^="/receipts/"] >> nth=0');
  await page.waitForSelector('dl.receipt');
  await axe(page, 'receipt');
  await page.goto(base + '/account');
  await axe(page, 'account');
  console.log('ok booking and cancelling in Spanish');
} finally {
  await browser.close();
}
if (failures > 0) { console.error(`${failures} failure(s)`); process.exit(1); }

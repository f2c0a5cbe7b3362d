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
async function noSidewaysScroll(page, step) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (scroll > width) fail(`${step}: the page scrolls sideways (${scroll} px wide at ${width})`);
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
  await page.waitForSelector('.calendar a');
  // The picker: a month calendar headed in Spanish, free days as links, no sideways scroll.
  const caption = await page.textContent('.calendar caption');
  if (!/^(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) de \d{4}$/.test(caption)) fail(`calendar caption: ${caption}`);
  const heads = await page.$$eval('table.calendar:first-of-type thead th', (ths) => ths.map((th) => th.textContent));
  if (heads.join(' ') !== 'lun mar mié jue vie sáb dom') fail(`weekday headings: ${heads}`);
  await noSidewaysScroll(page, 'book: calendar');
  // The third day with free times is always more than the 24-hour cancellation notice
  // away. With JavaScript, choosing it swaps in its times without loading a page.
  await page.evaluate(() => { window.samePage = true; });
  const third = await page.getAttribute('.calendar a >> nth=2', 'href');
  await page.click('.calendar a >> nth=2');
  await page.waitForSelector(`.calendar a[aria-current="date"][href="${third}"]`);
  if (!(await page.evaluate(() => window.samePage === true))) fail('choosing a day loaded a new page');
  if (!page.url().includes(third.split('#')[0].slice(1))) fail(`the address does not name the chosen day: ${page.url()}`);
  if ((await page.evaluate(() => document.activeElement.id)) !== 'times-title') fail('focus did not move to the chosen day\'s times');
  const groups = await page.$$eval('fieldset.times legend', (ls) => ls.map((l) => l.textContent));
  if (groups.length === 0 || groups.some((g) => !['Mañana', 'Tarde', 'Noche'].includes(g))) fail(`time groups: ${groups}`);
  const labels = await page.$$eval('label.slot', (ls) => ls.map((l) => l.textContent.trim()));
  if (labels.some((l) => !/^\d\d:\d\d$/.test(l))) fail(`a time says more than its time (the zones are the same): ${labels}`);
  await noSidewaysScroll(page, 'book: times');
  await axe(page, 'book: times');
  const priceText = await page.textContent('form[action="/book"][method=post] p');
  if (!priceText.includes('Pagas $5.70')) fail(`price shown: ${priceText}`);
  // A time is chosen with the keyboard: Tab reaches the group, Space takes the first.
  await page.focus('input[name=start] >> nth=0');
  await page.keyboard.press('Space');
  if (!(await page.isChecked('input[name=start] >> nth=0'))) fail('Space did not choose a time');
  await shot(page, 'book-es-phone');
  await page.click('text=Reservar y pagar');
  await page.waitForURL(/\/visits\?notice=booked/);
  const visits = await page.textContent('main');
  if (!visits.includes('Tu visita está reservada.')) fail('no booked notice');
  if (!visits.includes('hora del centro') || !visits.includes('tu hora')) fail('times not shown in both zones');
  await axe(page, 'visits');
  await shot(page, 'visits-es-phone');
  // Moving it to another day: the same picker, the price kept.
  await page.click('text=Cambiar a otro horario');
  await page.waitForSelector('.calendar a');
  if (!(await page.textContent('main')).includes('El precio sigue siendo $5.70')) fail('moving does not say the price stays');
  const moveDay = await page.getAttribute('.calendar a >> nth=3', 'href');
  await page.click('.calendar a >> nth=3');
  await page.waitForSelector(`.calendar a[aria-current="date"][href="${moveDay}"]`);
  await page.check('input[name=start] >> nth=-1');
  await axe(page, 'move');
  await noSidewaysScroll(page, 'move');
  await page.click('text=Cambiar la visita');
  await page.waitForURL(/notice=moved/);
  if (!(await page.textContent('main')).includes('Tu visita se cambió de horario.')) fail('no moved notice');
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
  // Without JavaScript the picker still books: a day is a link, a time a radio button.
  const plain = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'es-MX', javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto(base + '/sign-in?lang=es');
  await noJs.fill('#email', 'visitor@demo.openvisit.test');
  await noJs.fill('#password', 'demo-visitor-pass');
  await noJs.click('form[action="/sign-in"] button');
  await noJs.waitForURL(base + '/account');
  await noJs.goto(base + '/people');
  await noJs.click('text=Reservar una visita >> nth=0');
  await noJs.waitForSelector('.calendar a');
  const fourth = await noJs.getAttribute('.calendar a >> nth=3', 'href');
  await noJs.click('.calendar a >> nth=3');
  await noJs.waitForURL((u) => u.href.includes(fourth.split('#')[0]));
  if (!(await noJs.getAttribute('.calendar a[aria-current="date"]', 'href')).startsWith(fourth.split('#')[0])) fail('no-JS: the chosen day is not marked');
  await noJs.check('input[name=start] >> nth=-1');
  await noJs.click('text=Reservar y pagar');
  await noJs.waitForURL(/\/visits\?notice=booked/);
  await plain.close();
  console.log('ok booking and cancelling in Spanish');
} finally {
  await browser.close();
}
if (failures > 0) { console.error(`${failures} failure(s)`); process.exit(1); }

// Opens every visitor page in Debian's Chromium, in English and Spanish, on a desktop
// and a 360 px phone: axe-core must report no WCAG 2.2 A/AA violation, nothing may
// scroll sideways on the phone, and the first Tab must land on the skip link.
// Screenshots of the main pages go to the folder the test names (under target/, or
// docs/screenshots/ when refreshing the README's pictures).
// Usage: node pages.mjs BASE_URL SCREENSHOT_DIR
import { launch, NO_GPU } from './browser.mjs';
import { AxeBuilder } from '@axe-core/playwright';

const [base, shots] = process.argv.slice(2);
const pages = [
  ['home', '/'],
  ['directory', '/facilities'],
  ['search', '/facilities?q=zzz'],
  ['facility', '/facilities/riverside-county-jail'],
  ['facility-remote-only', '/facilities/cedar-valley-correctional'],
  ['how-it-works', '/how-it-works'],
  ['faq', '/faq'],
  ['not-found', '/facilities/nowhere'],
  ['register', '/register'],
  ['sign-in', '/sign-in'],
  ['contact', '/contact'],
  ['forgot-password', '/forgot-password'],
  ['reset-password', '/reset-password?token=0'],
];
const browser = await launch(NO_GPU);
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
try {
  for (const lang of ['en', 'es']) {
    for (const [viewport, size] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 360, height: 740 }]]) {
      const context = await browser.newContext({ viewport: size, locale: lang === 'es' ? 'es-MX' : 'en-US' });
      const page = await context.newPage();
      for (const [name, path] of pages) {
        const url = base + path;
        await page.goto(url);
        const htmlLang = await page.getAttribute('html', 'lang');
        if (htmlLang !== lang) fail(`${url} (${viewport}) is in ${htmlLang}, expected ${lang}`);
        const results = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
          .analyze();
        for (const v of results.violations) {
          fail(`${url} ${lang} ${viewport}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 0) fail(`${url} ${lang} ${viewport}: scrolls sideways by ${overflow}px`);
        const wanted = { home: 'desktop', facility: 'desktop', 'facility-remote-only': 'phone', faq: 'phone' };
        if (shots && wanted[name] === viewport) {
          await page.screenshot({ path: `${shots}/${name}-${lang}-${viewport}.png`, fullPage: true });
        }
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => document.activeElement && document.activeElement.className);
        if (focused !== 'skip') fail(`${url} ${lang} ${viewport}: first Tab lands on "${focused}", not the skip link`);
        console.log(`ok ${lang} ${viewport} ${path} (${results.passes.length} axe checks passed)`);
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
if (failures > 0) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}

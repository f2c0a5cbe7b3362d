// An on-site visit in two Chromium kiosk pages. At the lobby kiosk the visitor first types
// a wrong code and is told so in LANG, then the code from their booking confirmation as
// people type it (lower case, with a dash); at the housing-unit kiosk the resident signs in
// with a PIN. Each page decodes the other's video, and both say the visit ended when the
// server ends it at the scheduled end.
// Usage: node onsite.mjs BASE_URL LOBBY_KEY CODE HOUSING_KEY PIN LANG
import { launch, FAKE_MEDIA } from './browser.mjs';
import { kioskPage, kioskSignIn, phase } from './visit_pages.mjs';

const [base, lobbyKey, code, housingKey, pin, lang] = process.argv.slice(2);
const text = {
  en: { wrong: 'No visit here has that code. Check your booking email.', ended: 'The visit has ended.' },
  es: { wrong: 'Ninguna visita aquí tiene ese código. Revisa el correo de tu reserva.', ended: 'La visita ha terminado.' },
}[lang];
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
const browser = await launch(FAKE_MEDIA);

try {
  const lobby = await kioskPage(browser, base, lobbyKey, lang);
  await kioskSignIn(lobby, 'ZZZZ-ZZZZ');
  await lobby.waitForFunction((t) => document.getElementById('visit-status').textContent.trim() === t, text.wrong, { timeout: 10000 })
    .catch(async () => fail(`a wrong code says "${await lobby.textContent('#visit-status')}"`));
  const typed = `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase();
  await kioskSignIn(lobby, typed);

  const housing = await kioskPage(browser, base, housingKey, lang);
  await kioskSignIn(housing, pin);

  for (const [who, page] of [['lobby', lobby], ['housing', housing]]) {
    await phase(page, 'live', 20000).catch(() => fail(`the ${who} kiosk never went live`));
  }
  const frames = (page) => page.evaluate(() => window.ovFramesDecoded());
  let first = [0, 0];
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && (first[0] < 10 || first[1] < 10)) {
    first = [await frames(lobby), await frames(housing)];
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const later = [await frames(lobby), await frames(housing)];
  if (!(first[0] >= 10 && later[0] > first[0])) fail(`lobby frames not rising: ${first[0]} -> ${later[0]}`);
  if (!(first[1] >= 10 && later[1] > first[1])) fail(`housing frames not rising: ${first[1]} -> ${later[1]}`);

  for (const [who, page] of [['lobby', lobby], ['housing', housing]]) {
    await phase(page, 'ended', 90000).catch(() => fail(`the ${who} kiosk was not told the visit ended`));
    const said = (await page.textContent('#visit-status')).trim();
    if (said !== text.ended) fail(`the ${who} kiosk says "${said}" at the end`);
  }
  console.log(JSON.stringify({ first, later }));
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);

// The steps of a live visit that several browser scripts take, in playwright's Chromium
// (and, where named so, in Firefox through puppeteer).

// The visitor's page for a visit, signed in with their session cookie ("name=value"):
// checks the camera and microphone and says ready.
export async function visitorReady(browser, base, sessionCookie, visitId, lang) {
  const context = await browser.newContext({ locale: lang });
  const [name, value] = sessionCookie.split('=');
  // Over HTTPS the session cookie is `__Host-`: host-only and Secure, as the server sets it.
  await context.addCookies([base.startsWith('https:')
    ? { name, value, url: base, secure: true }
    : { name, value, domain: new URL(base).hostname, path: '/' }]);
  const page = await context.newPage();
  await page.goto(`${base}/visits/${visitId}/join?lang=${lang}`);
  await page.click('#check');
  await page.waitForSelector('#ready:not([disabled])');
  await page.click('#ready');
  return page;
}

// The same in Firefox (a puppeteer browser from `launchFirefox`).
export async function firefoxVisitorReady(firefox, base, sessionCookie, visitId, lang) {
  const [name, value] = sessionCookie.split('=');
  await firefox.setCookie({ name, value, domain: new URL(base).hostname, path: '/', sameSite: 'Lax' });
  const page = await firefox.newPage();
  await page.goto(`${base}/visits/${visitId}/join?lang=${lang}`);
  await page.click('#check');
  await page.waitForSelector('#ready:not([disabled])');
  await page.click('#ready');
  return page;
}

// Sets a kiosk's browser up as staff do: its one-time code typed at /kiosk/setup.
export async function setUpKiosk(page, base, code, lang) {
  await page.goto(`${base}/kiosk/setup?lang=${lang}`);
  await page.fill('#code', code);
  await Promise.all([page.waitForURL(/\/kiosk$/), page.click('form button[type=submit]')]);
}

// A kiosk page set up with its one-time code and showing its sign-in form.
export async function kioskPage(browser, base, code, lang) {
  const page = await (await browser.newContext({ locale: lang })).newPage();
  await setUpKiosk(page, base, code, lang);
  await page.goto(`${base}/kiosk?lang=${lang}`);
  await page.waitForSelector('#kiosk-sign-in:not([hidden])');
  return page;
}

// Signs in at a kiosk with a resident's PIN or a booking code.
export async function kioskSignIn(page, secret) {
  await page.fill('#kiosk-secret', secret);
  await page.click('#kiosk-sign-in button[type=submit]');
}

// Waits until the visit room on `page` is in `phase` ('live', 'ended').
export function phase(page, name, timeout) {
  return page.waitForFunction((p) => document.getElementById('visit').dataset.phase === p, name, { timeout });
}

// Cross-site request forgery from a real page of another origin on the same site
// (another port of 127.0.0.1, as a sibling subdomain would be): with a visitor's and a
// staff member's session cookies in the browser, a page served by this script sends a
// bodiless POST that would cancel the visitor's visit and a text/plain roster that
// would release every resident. Then the same cancel is sent from the server's own
// origin, which must work (so the refusal is the origin's doing).
//
// node cross_origin.mjs BASE VISITOR_TOKEN STAFF_TOKEN ATTACKED_VISIT CONTROL_VISIT
// prints JSON: {"control": status}
import http from 'node:http';
import { launch, NO_GPU, runSteps } from './browser.mjs';

const [base, visitorToken, staffToken, attacked, control] = process.argv.slice(2);

const evilPage = `<!doctype html><title>loading</title><script>
(async () => {
  const target = ${JSON.stringify(base)};
  try {
    await fetch(target + '/api/v1/visits/${Number(attacked)}/cancel',
      { method: 'POST', credentials: 'include', mode: 'no-cors' });
    await fetch(target + '/api/v1/staff/roster?apply=true', {
      method: 'POST', credentials: 'include', mode: 'no-cors',
      headers: { 'content-type': 'text/plain' },
      body: 'booking_number,full_name,housing_unit\\nX1,Nobody Here,A Pod\\n',
    });
  } catch (e) { /* opaque answers are expected */ }
  document.title = 'done';
})();
</script>`;

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(evilPage);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const evil = `http://127.0.0.1:${server.address().port}/`;

const browser = await launch(NO_GPU);
await runSteps(browser, async () => {
  const context = await browser.newContext();
  await context.addCookies([
    { name: 'ov_session', value: visitorToken, url: base, sameSite: 'Lax' },
  ]);
  const staffContext = await browser.newContext();
  await staffContext.addCookies([
    { name: 'ov_session', value: staffToken, url: base, sameSite: 'Lax' },
  ]);
  for (const ctx of [context, staffContext]) {
    const page = await ctx.newPage();
    await page.goto(evil);
    await page.waitForFunction(() => document.title === 'done', null, { timeout: 15000 });
  }
  const own = await context.newPage();
  await own.goto(base + '/');
  const status = await own.evaluate(async (id) => {
    const r = await fetch('/api/v1/visits/' + id + '/cancel', { method: 'POST' });
    return r.status;
  }, Number(control));
  console.log(JSON.stringify({ control: status }));
  server.close();
});

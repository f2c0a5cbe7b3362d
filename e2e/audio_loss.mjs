// Audio over a lossy uplink: the visitor's page and the housing kiosk's page hold a visit
// with a steady tone as their microphones (AUDIO_WAV), while the test loses about one in
// ten of the audio packets each page sends. Once audio flows, prints what each page
// received of the other's audio over SECONDS seconds, as `AUDIO_IN who {…}` lines with
// getStats' packets lost, Opus FEC packets received and not needed, and samples concealed.
// Usage: node audio_loss.mjs BASE_URL SESSION_COOKIE KIOSK_KEY PIN VISIT_ID AUDIO_WAV SECONDS
import { launch, runSteps, FAKE_MEDIA } from './browser.mjs';
import { visitorReady, kioskPage, kioskSignIn, phase } from './visit_pages.mjs';

const [base, sessionCookie, kioskKey, pin, visitId, wav, seconds] = process.argv.slice(2);
const browser = await launch([...FAKE_MEDIA, `--use-file-for-fake-audio-capture=${wav}`]);
await runSteps(browser, async () => {
  const visitor = await visitorReady(browser, base, sessionCookie, visitId, 'en');
  const kiosk = await kioskPage(browser, base, kioskKey, 'en');
  await kioskSignIn(kiosk, pin);
  for (const page of [visitor, kiosk]) await phase(page, 'live', 20000);
  const audioIn = (page) => page.evaluate(() => window.ovAudioIn());
  // The sender learns of the loss from the server's receiver reports and turns FEC on
  // within a few seconds; the count starts after that.
  const giveUp = Date.now() + 20000;
  while ((await audioIn(visitor)).packetsReceived < 100 || (await audioIn(kiosk)).packetsReceived < 100) {
    if (Date.now() > giveUp) throw new Error('no audio received in 20 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 4000));
  const before = [await audioIn(visitor), await audioIn(kiosk)];
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  const after = [await audioIn(visitor), await audioIn(kiosk)];
  for (const [who, page] of [['visitor', visitor], ['kiosk', kiosk]]) {
    console.log(`AUDIO_OUT ${who} ${JSON.stringify(await page.evaluate(() => window.ovAudioOut()))}`);
  }
  ['visitor', 'kiosk'].forEach((who, i) => {
    const delta = Object.fromEntries(Object.keys(after[i]).map((k) => [k, after[i][k] - before[i][k]]));
    console.log(`AUDIO_IN ${who} ${JSON.stringify(delta)}`);
  });
});

// The browsers the tests launch: Debian's Chromium (CHROMIUM overrides the path) with
// the flags every test wants and those a script adds, and Debian's Firefox ESR.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

// A fake camera and microphone that need no permission prompt, and video that plays
// without a click.
export const FAKE_MEDIA = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required'];
// For pages without video.
export const NO_GPU = ['--disable-gpu', '--no-first-run'];

// Chromium's flag to trust the certificate in the PEM file `path` (a test's own,
// self-signed) and no other: its public key's SHA-256, as Chromium pins keys. Nothing
// when there is no file.
export function trusting(path) {
  if (!path) return [];
  const spki = new X509Certificate(readFileSync(path)).publicKey.export({ type: 'spki', format: 'der' });
  return [`--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`];
}

export function launch(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', ...extra],
  });
}

// Debian's Firefox ESR (FIREFOX overrides the path), driven over WebDriver BiDi by
// puppeteer-core, as playwright drives only its own patched Firefox. A fake camera and
// microphone without a prompt, video that plays without a click, and plain host
// candidates (no mDNS names).
export function launchFirefox() {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.autoplay.default': 0,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
    },
  });
}

// Runs a script's steps, then closes `browser`; exits 1, printing the error, if a step
// failed.
export async function runSteps(browser, steps) {
  let code = 0;
  try {
    await steps();
  } catch (e) {
    console.error(String(e && e.stack || e));
    code = 1;
  } finally {
    await browser.close();
  }
  process.exit(code);
}

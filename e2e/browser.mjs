// Debian's Chromium as the browser tests launch it (CHROMIUM overrides the path), with
// the flags every test wants and those a script adds.
import { chromium } from 'playwright-core';

// A fake camera and microphone that need no permission prompt, and video that plays
// without a click.
export const FAKE_MEDIA = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required'];
// For pages without video.
export const NO_GPU = ['--disable-gpu', '--no-first-run'];

export function launch(extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', ...extra],
  });
}

/**
 * How every test and bench of this workspace starts Chromium: Debian's build (browser downloads are
 * not possible on our machines, so never `npx playwright install`), headless, with no background
 * traffic to Google. The Grafana plugin's editor tests keep their own copy so that the plugin still
 * builds and tests outside this workspace.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Opens a local HTML file in Debian's headless Chromium (driven by playwright-core; no browser download)
 * and returns what a person would see: page errors, console errors, a screenshot, and a DOM probe.
 */
import { existsSync, mkdirSync } from 'fs';
import { dirname } from 'path';
import { pathToFileURL } from 'url';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a closed network: no background connections, no sandbox as root, fresh profile per launch. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PageView<T> {
  errors: string[];
  /** requests the page made for anything other than itself (a self-contained page makes none) */
  requests: string[];
  probe: T;
}

export async function viewPage<T>(file: string, screenshot: string, probe: () => T): Promise<PageView<T>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    if (!existsSync(dirname(screenshot))) mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    const result = await page.evaluate(probe);
    return { errors, requests, probe: result };
  } finally {
    await browser.close();
  }
}

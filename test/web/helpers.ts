import { execFileSync } from 'node:child_process';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const root = path.resolve(__dirname, '../..');

/** Builds web/ into dist/console, what `npm run build` does (CI's `npm test` runs no build first). */
export function buildConsole(): void {
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.mts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
}

export function smtpTransport(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

export const ARTIFACTS = path.resolve(root, 'test-artifacts/console');

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Every request the page made to a host other than the server under test (loopback). */
export function watchForeignRequests(page: Page): string[] {
  const foreign: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    const local = url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:' || url.href === 'about:srcdoc' || url.href === 'about:blank';
    if (!local) foreign.push(r.url());
  });
  return foreign;
}

/** The page may not horizontally scroll at its viewport width (readable at 360 px); names what sticks out. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  // A string: the test project has no DOM types.
  const overflow = await page.evaluate(`(() => {
    const width = document.documentElement.scrollWidth;
    if (width <= innerWidth) return null;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
      .slice(-5)
      .map((el) => el.tagName.toLowerCase() + '.' + el.className + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)');
    return { width, culprits };
  })()`);
  expect(overflow, 'page wider than the viewport').toBeNull();
}

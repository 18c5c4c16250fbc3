import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const root = path.resolve(__dirname, '../..');

/** Builds web/ into dist/console, what `npm run build` does (CI's `npm test` runs no build first). */
export function buildConsole(): void {
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.mts', '--logLevel', 'warn'], {
    cwd: root,
    // Vitest sets NODE_ENV=test, which would give React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
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

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: give it to the browser as its proxy. */
  server: string;
  /** Every request that reached it: full URLs for http, `CONNECT host:port` for https. */
  hits: string[];
  close(): Promise<void>;
}

/**
 * The browser's HTTP proxy: every request for another host reaches it (Chromium sends loopback
 * directly), and it answers none. What a CSP or the sandbox blocked never gets here, so this is the
 * network-level record of what a page tried to load from elsewhere. (Playwright's request interception
 * misses some requests of sandboxed frames; a proxy misses nothing.)
 */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  const hits: string[] = [];
  // Chromium's own background calls (autofill, account services) are not the page's doing.
  const browserOwn = (host: string) => /(?:^|\.)(?:google\.com|googleapis\.com|gstatic\.com)$/.test(host);
  const server = createServer((req, res) => {
    if (!browserOwn(new URL(req.url ?? '', 'http://invalid').hostname)) hits.push(req.url ?? '');
    res.writeHead(502).end();
  });
  server.on('connect', (req, socket) => {
    if (!browserOwn((req.url ?? '').replace(/:\d+$/, ''))) hits.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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

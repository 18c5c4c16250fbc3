import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorText, ROUTE_NOT_FOUND } from '../sessions/helpers';
import { launchChromium, seriousAxeViolations } from '../support/chromium';
import { KEY_FIELD } from '../support/ide-page';
import { startServer, type TestServer } from '../support/server';
import { RawConnection } from './raw-http';

const VERSION: string = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')).version;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
/** What the page and the JSON index must both lead to. */
const EXPECTED_HREFS = ['/graphql', '/docs', '/api/v1/openapi.json', '/console', '/mcp', '/healthz', '/readyz', '/metrics'];

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s?.close());

const get = (accept: string, method = 'GET') => fetch(`${s.url}/`, { method, headers: { accept } });

describe('the front door at /', () => {
  it('gives a browser an offline HTML page with every link and the version, under the server CSP, without a key', async () => {
    const res = await get(BROWSER_ACCEPT);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get('vary')).toMatch(/Accept/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<title>sessions-gateway</title>');
    expect(html).toContain(`Version ${VERSION}`);
    const hrefs = [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(EXPECTED_HREFS);
    expect(html).toMatch(/Model Context Protocol/);
    // Nothing to load (the icon is empty, so browsers do not ask for /favicon.ico), nothing from elsewhere.
    expect(html).not.toMatch(/<script|(?:src|href)="(?:https?:)?\/\//i);
    expect([...html.matchAll(/<link\b[^>]*>/g)].map((m) => m[0])).toEqual(['<link rel="icon" href="data:,">']);
  });

  it('is HTML for no Accept header and for */* (a person with curl reads it too)', async () => {
    const conn = await RawConnection.open(s.url);
    try {
      await conn.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      const res = await conn.response();
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    } finally {
      conn.destroy();
    }
    expect((await get('*/*')).headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('gives an API client (Accept: application/json) the same links and the version as JSON', async () => {
    const res = await get('application/json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('vary')).toMatch(/Accept/);
    const index: any = await res.json();
    expect(index).toMatchObject({ name: 'sessions-gateway', version: VERSION });
    expect(Object.values(index.links).map((l: any) => l.href)).toEqual(EXPECTED_HREFS);
    for (const link of Object.values(index.links) as any[]) {
      expect(link).toEqual({ href: expect.any(String), title: expect.any(String), description: expect.any(String), needsKey: expect.any(Boolean) });
    }
    expect(index.links.mcp.description).toMatch(/Model Context Protocol/);
    // Every link leads somewhere real (keyed ones with the key).
    for (const link of Object.values(index.links) as any[]) {
      const reply = await fetch(`${s.url}${link.href}`, { headers: { accept: BROWSER_ACCEPT, authorization: `Bearer ${s.apiKey}` } });
      expect(reply.status, link.href).not.toBe(404);
      await reply.arrayBuffer();
    }
  });

  it('answers HEAD like GET without a body; other types get 406; other methods and paths still 404', async () => {
    for (const [accept, type] of [[BROWSER_ACCEPT, /^text\/html/], ['application/json', /^application\/json/]] as const) {
      const head = await get(accept, 'HEAD');
      expect(head.status, accept).toBe(200);
      expect(head.headers.get('content-type'), accept).toMatch(type);
      expect(await head.text(), accept).toBe('');
    }
    const other = await get('text/plain');
    expect(other.status).toBe(406);
    expect(await other.text()).toBe(errorText('Not acceptable', 'This resource is available as text/html or application/json'));

    for (const [method, p] of [['POST', '/'], ['GET', '/nope'], ['GET', '/index.html']]) {
      const reply = await s.request(method, p, { key: null });
      expect({ status: reply.status, text: reply.text }, `${method} ${p}`).toEqual({ status: 404, text: ROUTE_NOT_FOUND });
    }
  });

  describe('in Chromium', () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => browser?.close());

    it('shows the links, reads well in light and dark, and its IDE link opens the IDE', async () => {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(20_000);
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
        const requested: string[] = [];
        page.on('request', (r) => requested.push(r.url()));
        page.on('response', (r) => r.status() === 404 && pageErrors.push(`404 ${r.url()}`));

        const background = () => page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor as string);
        await page.emulateMedia({ colorScheme: 'light' });
        await page.goto(`${s.url}/`, { waitUntil: 'load' });
        await expect(page.title()).resolves.toBe('sessions-gateway');
        await expect(page.locator('.version').innerText()).resolves.toBe(`Version ${VERSION}`);
        const links = await page.locator('main a').evaluateAll((as) => as.map((a: any) => a.getAttribute('href')));
        expect(links).toEqual(EXPECTED_HREFS);
        expect(await seriousAxeViolations(page)).toEqual([]);
        const light = await background();
        await page.emulateMedia({ colorScheme: 'dark' });
        const dark = await background();
        expect(light).toBe('rgb(255, 255, 255)');
        expect(dark).not.toBe(light);
        expect(await seriousAxeViolations(page)).toEqual([]);
        // The page loads nothing but itself.
        expect(requested).toEqual([`${s.url}/`]);

        await page.getByRole('link', { name: 'GraphQL IDE' }).click();
        await page.waitForURL(`${s.url}/graphql`);
        await page.waitForSelector(KEY_FIELD, { state: 'visible' });
        await expect(page.title()).resolves.toBe('sessions-gateway GraphQL IDE');
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
});

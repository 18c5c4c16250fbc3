import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startServer, type TestServer } from '../support/server';

/** GET /api/v1/openapi.json and the /docs reference page (Redoc, served offline from node_modules). */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const yamlDoc = parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.yaml'), 'utf8'));

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

describe('GET /api/v1/openapi.json', () => {
  it('serves docs/openapi.yaml as JSON, without a key', async () => {
    const reply = await s.request('GET', '/api/v1/openapi.json', { key: null });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toEqual(yamlDoc);
    // It is documented in itself, as needing no key.
    expect(yamlDoc.paths['/api/v1/openapi.json'].get.security).toEqual([]);
  });

  it('is only GET: other methods are not served', async () => {
    const reply = await s.request('POST', '/api/v1/openapi.json', { key: null });
    expect(reply.status).toBe(404);
  });
});

describe('/docs', () => {
  it('serves a page that loads only its own scripts, and the bundled renderer', async () => {
    const page = await s.request('GET', '/docs', { key: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    const bundle = await fetch(`${s.url}/docs/redoc.standalone.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await s.request('GET', '/docs/package.json', { key: null })).status).toBe(404);
  });

  it('renders the API reference in Chromium with no other host contacted', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(20_000);
      const requested: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      await page.route(
        (url) => url.hostname !== '127.0.0.1',
        (route) => route.abort('blockedbyclient'),
      );

      const response = await page.goto(`${s.url}/docs`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      // Redoc has fetched the document and rendered the operations.
      await page.getByRole('heading', { name: 'Create a session' }).first().waitFor();
      const text = await page.locator('redoc').innerText();
      for (const op of Object.values<any>(yamlDoc.paths).flatMap((item) => Object.values<any>(item))) {
        if (op?.summary) expect(text, op.summary).toContain(op.summary);
      }
      expect(requested.some((u) => u.endsWith('/api/v1/openapi.json'))).toBe(true);
      const foreign = requested.filter((u) => {
        const url = new URL(u);
        return url.protocol.startsWith('http') || url.protocol.startsWith('ws') ? url.hostname !== '127.0.0.1' : url.protocol !== 'data:' && url.protocol !== 'blob:';
      });
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser?.close();
    }
  });
});

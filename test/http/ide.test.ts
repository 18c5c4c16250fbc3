import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';
import { startServer as startTestServer } from '../support/server';

let API_KEY = '';

/** The server under test: the real app (IDE router in front of the key-protected /graphql). */
async function startServer(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = await startTestServer();
  API_KEY = server.apiKey;
  return { baseUrl: server.url, close: () => server.close() };
}

/** GraphiQL 3's editors are CodeMirror 5: the wrapper element carries the editor instance. */
interface CodeMirrorElement {
  CodeMirror: { getValue(): string; setValue(value: string): void };
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** src/href attribute values of the page's <script>/<link> tags. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

describe('GraphQL IDE (GraphiQL served from our origin)', () => {
  let baseUrl = '';
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ baseUrl, close } = await startServer());
  });
  afterAll(async () => {
    await close?.();
  });

  it('serves the HTML page to browsers, referencing only same-origin assets', async () => {
    const res = await fetch(`${baseUrl}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>sessions-gateway GraphQL IDE</title>');
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // no inline script
    const urls = assetUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) expect(url).toMatch(/^\/graphql\/ide\//);
  });

  it('serves every asset of the page with a JS/CSS content type', async () => {
    const html = await (await fetch(`${baseUrl}/graphql`, { headers: { accept: BROWSER_ACCEPT } })).text();
    for (const url of assetUrls(html)) {
      const res = await fetch(new URL(url, baseUrl));
      expect(res.status, url).toBe(200);
      const type = res.headers.get('content-type') ?? '';
      expect(type, url).toMatch(url.endsWith('.css') ? /^text\/css/ : /^(?:text|application)\/javascript/);
      expect((await res.arrayBuffer()).byteLength, url).toBeGreaterThan(0);
    }
    for (const missing of ['package.json', 'nope.js', 'a/b.css', 'graphiql.min.js.map']) {
      const res = await fetch(`${baseUrl}/graphql/ide/${missing}`);
      expect(res.status, missing).toBe(404);
      expect(await res.text(), missing).not.toContain('graphiql');
    }
  });

  it('lets GraphQL clients through to the endpoint (JSON Accept, GET ?query=)', async () => {
    // Apollo's CSRF guard wants a non-simple request for GET: a JSON client sends apollo-require-preflight.
    const preflighted = { 'apollo-require-preflight': 'true' };
    const json = await fetch(`${baseUrl}/graphql`, { headers: { accept: 'application/json', ...preflighted } });
    expect(json.status).toBe(401);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ errors: [{ message: 'Invalid or missing API key', extensions: { code: 'UNAUTHENTICATED' } }] });

    const anyType = await fetch(`${baseUrl}/graphql`, { headers: { accept: '*/*' } });
    expect(anyType.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await anyType.text()).not.toContain('<html');

    const get = await fetch(`${baseUrl}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', authorization: `Bearer ${API_KEY}`, ...preflighted },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });

    // A browser-style GET ?query= is not answered with the page either.
    const browserGet = await fetch(`${baseUrl}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: BROWSER_ACCEPT, authorization: `Bearer ${API_KEY}` },
    });
    expect(browserGet.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('works in a real browser: no other host contacted, API key header, query runs', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the GraphQL IDE browser test`,
      );
    }
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(15_000);

      const requested: string[] = [];
      const pageErrors: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      // Never let a stray request leave the machine (it is also asserted on below).
      await page.route(
        (url) => url.hostname !== '127.0.0.1',
        (route) => route.abort('blockedbyclient'),
      );

      const response = await page.goto(`${baseUrl}/graphql`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      await expect(page.title()).resolves.toBe('sessions-gateway GraphQL IDE');

      const queryEditor = '.graphiql-query-editor .CodeMirror';
      const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
      const resultPane = '.graphiql-response .CodeMirror';
      await page.waitForSelector(queryEditor, { state: 'visible' });
      await page.waitForSelector(headersEditor, { state: 'visible' }); // headers tab open by default

      // Headers editor is prefilled with the placeholder; replace it with the real key.
      const cmValue = (sel: string) => page.$eval(sel, (el) => (el as unknown as CodeMirrorElement).CodeMirror.getValue());
      expect(JSON.parse(await cmValue(headersEditor))).toEqual({ Authorization: 'Bearer <your API key>' });
      const setCm = (sel: string, value: string) =>
        page.$eval(
          sel,
          (el, v) => (el as unknown as CodeMirrorElement).CodeMirror.setValue(v),
          value,
        );
      await setCm(headersEditor, JSON.stringify({ Authorization: `Bearer ${API_KEY}` }));
      await setCm(queryEditor, '');
      // Type the query for real (autoclose brackets: type the body, the editor adds "}").
      await page.click(queryEditor);
      await page.keyboard.type('{ __typename');
      expect((await cmValue(queryEditor)).replace(/\s+/g, '')).toBe('{__typename}');

      const graphqlPost = page.waitForRequest(
        (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/graphql' && (r.postData() ?? '').includes('__typename'),
      );
      await page.click('.graphiql-execute-button');
      const sent = await graphqlPost;
      expect(sent.headers()['authorization']).toBe(`Bearer ${API_KEY}`);

      const result = await page.waitForSelector(resultPane);
      await page.waitForFunction(
        (el) => (el as unknown as CodeMirrorElement).CodeMirror.getValue().includes('"Query"'),
        result,
      );
      expect(JSON.parse(await cmValue(resultPane))).toEqual({ data: { __typename: 'Query' } });
      await expect(page.locator('.graphiql-response').innerText()).resolves.toContain('"Query"');

      // Headers are persisted (shouldPersistHeaders) for the next visit; GraphiQL debounces the write.
      await page.waitForFunction(
        (key) =>
          (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage
            .getItem('graphiql:headers')
            ?.includes(key) ?? false,
        API_KEY,
      );

      const screenshot = path.resolve('.tmp/ide.png');
      mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });

      expect(pageErrors).toEqual([]);
      const foreign = requested.filter((u) => {
        const url = new URL(u);
        return (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:')
          ? url.hostname !== '127.0.0.1'
          : url.protocol !== 'data:' && url.protocol !== 'blob:';
      });
      expect(foreign).toEqual([]);
      expect(requested.some((u) => u.endsWith('/graphql/ide/graphiql.min.js'))).toBe(true);
    } finally {
      await browser?.close();
    }
  });
});

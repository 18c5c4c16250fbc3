import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { idePage, KEY_FIELD, KEY_STATUS, QUERY_EDITOR, RESULT_PANE } from '../support/ide-page';
import { startServer as startTestServer } from '../support/server';

let API_KEY = '';

/** The server under test: the real app (IDE router in front of the key-protected /graphql). */
async function startServer(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = await startTestServer();
  API_KEY = server.apiKey;
  return { baseUrl: server.url, close: () => server.close() };
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** src/href attribute values of the page's <script>/<link> tags (not the empty data: icon, which stops a /favicon.ico request). */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => u !== 'data:,');
}

describe('GraphQL IDE (GraphiQL served from our origin)', () => {
  let baseUrl = '';
  let close: (() => Promise<void>) | undefined;

  let browser: Browser | undefined;

  beforeAll(async () => {
    ({ baseUrl, close } = await startServer());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  /** A fresh browser context (its own storage) at 1,280 px, recording what the page requests and throws. */
  async function newPage(opts: { colorScheme?: 'light' | 'dark' } = {}) {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const requested: string[] = [];
    const graphqlPosts: Array<{ body: string; authorization: string | undefined }> = [];
    const pageErrors: string[] = [];
    page.on('request', (r) => {
      requested.push(r.url());
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/graphql') graphqlPosts.push({ body: r.postData() ?? '', authorization: r.headers()['authorization'] });
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    // Never let a stray request leave the machine (it is also asserted on below).
    await page.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort('blockedbyclient'));
    const foreign = () =>
      requested.filter((u) => {
        const url = new URL(u);
        return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) ? url.hostname !== '127.0.0.1' : url.protocol !== 'data:' && url.protocol !== 'blob:';
      });
    return { page, ide: idePage(page), requested, graphqlPosts, pageErrors, foreign, close: () => context.close() };
  }

  /** Runs `test` on a fresh page and closes its context whatever happens. */
  async function withPage<T>(test: (t: Awaited<ReturnType<typeof newPage>>) => Promise<T>, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<T> {
    const t = await newPage(opts);
    try {
      return await test(t);
    } finally {
      await t.close();
    }
  }

  /** Lets the page run its effects: two animation frames after the editors are on screen. */
  const settle = (page: Page) => page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');

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

  it('opens on the key field with no error and no introspection; a key entered there runs queries', () =>
    withPage(async (t) => {
      const response = await t.page.goto(`${baseUrl}/graphql`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      await expect(t.page.title()).resolves.toBe('sessions-gateway GraphQL IDE');
      await t.ide.open(`${baseUrl}/graphql`);
      await settle(t.page);

      // Nothing was sent without a key, and nothing reads as an error.
      expect(t.graphqlPosts).toEqual([]);
      await expect(t.page.inputValue(KEY_FIELD)).resolves.toBe('');
      await expect(t.page.locator(KEY_STATUS).innerText()).resolves.toBe('Enter an API key to load the schema.');
      await expect(t.ide.cmValue(RESULT_PANE)).resolves.toBe('');
      expect(await t.page.locator('body').innerText()).not.toMatch(/invalid|missing API key|error/i);

      // With the key: introspection, sent with it, and the docs.
      await t.ide.enterKey(API_KEY);
      await t.ide.waitForSchema();
      const introspection = t.graphqlPosts.find((p) => p.body.includes('IntrospectionQuery'));
      expect(introspection?.authorization).toBe(`Bearer ${API_KEY}`);
      await t.page.click('button[aria-label="Show Documentation Explorer"]');
      await t.page.getByRole('link', { name: 'Query', exact: true }).waitFor();
      await expect(t.ide.cmValue(RESULT_PANE)).resolves.toBe('');

      // A query typed for real (autoclose brackets: type the body, the editor adds "}").
      await t.ide.setCm(QUERY_EDITOR, '');
      await t.page.click(QUERY_EDITOR);
      await t.page.keyboard.type('{ __typename');
      expect((await t.ide.cmValue(QUERY_EDITOR)).replace(/\s+/g, '')).toBe('{__typename}');
      await t.page.click('.graphiql-execute-button');
      await t.page.waitForFunction((sel) => (globalThis as any).document.querySelector(sel)?.CodeMirror.getValue().includes('"Query"'), RESULT_PANE);
      expect(JSON.parse(await t.ide.cmValue(RESULT_PANE))).toEqual({ data: { __typename: 'Query' } });
      expect(t.graphqlPosts.at(-1)).toEqual({ body: expect.stringContaining('__typename'), authorization: `Bearer ${API_KEY}` });

      const screenshot = path.resolve('.tmp/ide.png');
      mkdirSync(path.dirname(screenshot), { recursive: true });
      await t.page.screenshot({ path: screenshot });

      expect(t.pageErrors).toEqual([]);
      expect(t.foreign()).toEqual([]);
      expect(t.requested.some((u) => u.endsWith('/graphql/ide/graphiql.min.js'))).toBe(true);
    }));

  it('keeps the key in sessionStorage, in localStorage only while "remember" is ticked, never in GraphiQL\'s storage', () =>
    withPage(async (t) => {
      // What an earlier version persisted (the Headers tab, with a key) is removed on load.
      await t.ide.open(`${baseUrl}/graphql`);
      await t.page.evaluate((key) => (globalThis as any).localStorage.setItem('graphiql:headers', JSON.stringify({ Authorization: `Bearer ${key}` })), API_KEY);
      await t.ide.open(`${baseUrl}/graphql`);
      await expect(t.page.evaluate(() => (globalThis as any).localStorage.getItem('graphiql:headers'))).resolves.toBeNull();

      await t.ide.enterKey(`Bearer ${API_KEY}`); // a pasted header value counts as the key
      await expect(t.ide.storedKey()).resolves.toEqual([API_KEY, null]);
      await t.page.check('#ide-remember');
      await expect(t.ide.storedKey()).resolves.toEqual([null, API_KEY]);

      // Remembered: a reload finds the key and the box ticked, and loads the schema with it.
      await t.ide.open(`${baseUrl}/graphql`);
      await expect(t.page.inputValue(KEY_FIELD)).resolves.toBe(API_KEY);
      await expect(t.page.isChecked('#ide-remember')).resolves.toBe(true);
      await t.ide.waitForSchema();

      await t.page.uncheck('#ide-remember');
      await expect(t.ide.storedKey()).resolves.toEqual([API_KEY, null]);
      // Nothing else in either storage holds the key (GraphiQL persists no headers).
      const everything = await t.page.evaluate(() => {
        const g = globalThis as any;
        const dump = (s: any) => Object.keys(s).filter((k) => k !== 'sessions-gateway:api-key').map((k) => s.getItem(k)).join('\n');
        return dump(g.localStorage) + dump(g.sessionStorage);
      });
      expect(everything).not.toContain(API_KEY);
      expect(t.pageErrors).toEqual([]);
    }));

  it('takes the key from the Headers tab too, and queries run with it', () =>
    withPage(async (t) => {
      await t.ide.open(`${baseUrl}/graphql`);
      await t.ide.setHeaders({ Authorization: `Bearer ${API_KEY}` });
      await t.ide.waitForSchema();
      expect(t.graphqlPosts.find((p) => p.body.includes('IntrospectionQuery'))?.authorization).toBe(`Bearer ${API_KEY}`);
      expect(JSON.parse(await t.ide.run('{ __typename }', '"Query"'))).toEqual({ data: { __typename: 'Query' } });
      await expect(t.ide.storedKey()).resolves.toEqual([null, null]);
      expect(t.pageErrors).toEqual([]);
    }));

  it('shows the whole welcome text at 1,280 px: no line is wider than the editor', () =>
    withPage(async (t) => {
      await t.ide.open(`${baseUrl}/graphql`);
      const welcome = await t.ide.cmValue(QUERY_EDITOR);
      expect(welcome).toContain('API key');
      const fit = await t.page.evaluate((sel) => {
        const doc = (globalThis as any).document;
        const scroller = doc.querySelector(`${sel} .CodeMirror-scroll`);
        const right = scroller.getBoundingClientRect().right;
        const lines = [...doc.querySelectorAll(`${sel} .CodeMirror-line > span`)] as any[];
        return {
          lines: lines.length,
          scrollWidth: scroller.scrollWidth,
          clientWidth: scroller.clientWidth,
          cutOff: lines.filter((l) => l.getBoundingClientRect().right > right).map((l) => l.textContent),
        };
      }, QUERY_EDITOR);
      expect(fit.lines).toBeGreaterThanOrEqual(welcome.split('\n').length - 1);
      expect(fit.cutOff).toEqual([]);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.clientWidth);
    }));

  it('follows the dark colour scheme: GraphiQL and the key bar', async () => {
    const lightness = async (scheme: 'light' | 'dark') => {
      return withPage(async (t) => {
        await t.ide.open(`${baseUrl}/graphql`);
        return t.page.evaluate(() => {
          const doc = (globalThis as any).document;
          const g = globalThis as any;
          // Relative luminance-ish: the mean of the RGB channels of the computed background.
          const of = (sel: string) => {
            const [r, gr, b] = g.getComputedStyle(doc.querySelector(sel)).backgroundColor.match(/\d+(\.\d+)?/g).map(Number);
            return (r + gr + b) / 3;
          };
          return { container: of('.graphiql-container'), bar: of('.ide-bar'), field: of('#ide-key') };
        });
      }, { colorScheme: scheme });
    };
    const light = await lightness('light');
    const dark = await lightness('dark');
    for (const part of ['container', 'bar', 'field'] as const) {
      expect(light[part], part).toBeGreaterThan(200);
      expect(dark[part], part).toBeLessThan(80);
    }
  });
});

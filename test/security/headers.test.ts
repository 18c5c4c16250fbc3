import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reply, startServer, type TestServer } from '../support/server';
import { idePage } from '../support/ide-page';

/**
 * Security headers (helmet, src/http/security.ts) on every kind of response the real server gives:
 * REST, GraphQL, health, the IDE, 404s and error responses — and a CSP strict enough to matter that
 * still lets the GraphQL IDE run in a real browser without a single violation.
 */
let s: TestServer;
let limited: TestServer;

beforeAll(async () => {
  [s, limited] = await Promise.all([startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } }), startServer({ env: { RATE_LIMIT_PER_MINUTE: '1' } })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), limited?.close()]);
});

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const PREFLIGHT = { 'apollo-require-preflight': 'true' };
const JSON_TYPE = { 'content-type': 'application/json' };
const TOO_LARGE = JSON.stringify({ name: 'x', metadata: { pad: 'a'.repeat(1_100_000) } });

function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

function expectSecurityHeaders(reply: Reply, label: string): void {
  const h = reply.headers;
  const csp = h.get('content-security-policy');
  expect(csp, label).toBeTruthy();
  const directives = parseCsp(csp!);
  expect(directives.get('default-src'), label).toEqual(["'self'"]);
  expect(directives.get('script-src'), label).toEqual(["'self'"]); // no inline script, no eval, no CDN
  expect(csp, label).not.toContain("'unsafe-eval'");
  expect(csp, label).not.toContain("'wasm-unsafe-eval'");
  expect(csp, label).not.toMatch(/\*|https?:/); // no wildcard or other host anywhere
  expect(directives.get('object-src'), label).toEqual(["'none'"]);
  expect(directives.get('base-uri'), label).toEqual(["'none'"]);
  expect(directives.get('frame-ancestors'), label).toEqual(["'none'"]);
  expect(directives.get('connect-src'), label).toEqual(["'self'"]);
  expect(directives.get('form-action'), label).toEqual(["'self'"]);

  expect(h.get('x-content-type-options'), label).toBe('nosniff');
  const hsts = h.get('strict-transport-security') ?? '';
  expect(hsts, label).toMatch(/includeSubDomains/);
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1]), label).toBeGreaterThanOrEqual(180 * 24 * 3600);
  expect(h.get('x-frame-options'), label).toBe('SAMEORIGIN');
  expect(h.get('referrer-policy'), label).toBe('no-referrer');
  expect(h.get('cross-origin-opener-policy'), label).toBe('same-origin');
  expect(h.get('x-dns-prefetch-control'), label).toBe('off');
  expect(h.get('x-permitted-cross-domain-policies'), label).toBe('none');
  expect(h.get('x-xss-protection'), label).toBe('0'); // the legacy auditor off, as OWASP advises
  expect(h.get('x-powered-by'), label).toBeNull();
  // Deliberately not set: the API answers cross-origin fetches (CORS decides who may), see security.ts.
  expect(h.get('cross-origin-resource-policy'), label).toBeNull();
}

describe('security headers on every response', () => {
  it('successful responses: REST, GraphQL (POST and GET), health, metrics, the IDE page and its assets', async () => {
    const created = await s.request('POST', '/api/v1/sessions', { body: { name: 'headers' } });
    const cases: Array<[string, Reply, number]> = [
      ['REST POST', created, 201],
      ['REST GET list', await s.request('GET', '/api/v1/sessions'), 200],
      ['REST GET one', await s.request('GET', `/api/v1/sessions/${created.body.id}`), 200],
      ['GraphQL POST', await s.gql('{ __typename }'), 200],
      ['GraphQL GET', await s.request('GET', `/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: PREFLIGHT }), 200],
      ['/healthz', await s.request('GET', '/healthz', { key: null }), 200],
      ['/readyz', await s.request('GET', '/readyz', { key: null }), 200],
      ['/metrics', await s.request('GET', '/metrics', { key: null }), 200],
      ['IDE page', await s.request('GET', '/graphql', { key: null, headers: { accept: BROWSER_ACCEPT } }), 200],
      ['IDE script', await s.request('GET', '/graphql/ide/ide.js', { key: null }), 200],
      ['IDE vendor script', await s.request('GET', '/graphql/ide/graphiql.min.js', { key: null }), 200],
    ];
    for (const [label, reply, status] of cases) {
      expect(reply.status, label).toBe(status);
      expectSecurityHeaders(reply, label);
    }
    expect(cases.find(([l]) => l === 'IDE page')![1].headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('404s: unknown paths, REST and IDE assets, HEAD', async () => {
    const cases: Array<[string, Reply]> = [
      ['unknown path', await s.request('GET', '/nope', { key: null })],
      ['unknown REST route', await s.request('GET', '/api/v1/nope')],
      ['unknown session', await s.request('GET', '/api/v1/sessions/does-not-exist')],
      ['unknown IDE asset', await s.request('GET', '/graphql/ide/nope.js', { key: null })],
      ['below /graphql', await s.request('POST', '/graphql/x', { body: { query: '{ __typename }' } })],
      ['HEAD unknown', await s.request('HEAD', '/nope', { key: null })],
    ];
    for (const [label, reply] of cases) {
      expect(reply.status, label).toBe(404);
      expectSecurityHeaders(reply, label);
    }
  });

  it('error responses: 401, 400 malformed JSON, 400 CSRF, 405, 413, 429', async () => {
    const cases: Array<[string, Reply, number]> = [
      ['REST 401', await s.request('GET', '/api/v1/sessions', { key: null }), 401],
      ['REST 401 bad key', await s.request('GET', '/api/v1/sessions', { key: 'sgk_not_a_key' }), 401],
      ['GraphQL 401', await s.gql('{ __typename }', undefined, null), 401],
      ['REST 400 malformed JSON', await s.request('POST', '/api/v1/sessions', { rawBody: '{"name":', headers: JSON_TYPE }), 400],
      ['GraphQL 400 malformed JSON', await s.request('POST', '/graphql', { rawBody: '{"query":', headers: JSON_TYPE }), 400],
      ['REST 400 invalid input', await s.request('POST', '/api/v1/sessions', { body: { name: '' } }), 400],
      ['GraphQL 400 CSRF', await s.request('GET', `/graphql?query=${encodeURIComponent('{ __typename }')}`), 400],
      ['GraphQL 400 limits', await s.gql(`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ')} }`), 400],
      ['GraphQL 405 GET mutation', await s.request('GET', `/graphql?query=${encodeURIComponent('mutation { __typename }')}`, { headers: PREFLIGHT }), 405],
      ['REST 413', await s.request('POST', '/api/v1/sessions', { rawBody: TOO_LARGE, headers: JSON_TYPE }), 413],
      ['GraphQL 413', await s.request('POST', '/graphql', { rawBody: JSON.stringify({ query: '{ __typename }', pad: 'a'.repeat(1_100_000) }), headers: JSON_TYPE }), 413],
    ];
    // Rate limited (limit 1 per minute): the second request is refused.
    expect((await limited.request('GET', '/api/v1/sessions')).status).toBe(200);
    cases.push(['REST 429', await limited.request('GET', '/api/v1/sessions'), 429]);
    cases.push(['GraphQL 429', await limited.gql('{ __typename }'), 429]);
    for (const [label, reply, status] of cases) {
      expect(reply.status, `${label}: ${reply.text.slice(0, 200)}`).toBe(status);
      expectSecurityHeaders(reply, label);
      expect(reply.text, label).not.toMatch(/stacktrace|at \w+ \(|node_modules/i);
    }
  });
});

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface CspWindow {
  __cspViolations: string[];
  __inlineRan?: boolean;
}

describe('the CSP in a real browser', () => {
  it('the GraphQL IDE loads, fetches the schema, shows docs and runs a query with zero CSP violations', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the browser CSP test`);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(15_000);
      await page.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort('blockedbyclient'));

      // Every violation, twice over: the DOM event (recorded before any page script runs) and the console.
      await page.addInitScript(() => {
        const w = globalThis as unknown as CspWindow & { document: { addEventListener(t: string, f: (e: any) => void): void } };
        w.__cspViolations = [];
        w.document.addEventListener('securitypolicyviolation', (e) => {
          w.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile ?? ''}:${e.lineNumber ?? ''})`);
        });
      });
      const consoleCsp: string[] = [];
      const pageErrors: string[] = [];
      page.on('console', (m) => {
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) consoleCsp.push(m.text());
      });
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      const violations = () => page.evaluate(() => (globalThis as unknown as CspWindow).__cspViolations);

      const response = await page.goto(`${s.url}/graphql`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

      // The key in the IDE's own field loads the schema (introspection), then the docs render it.
      const ide = idePage(page);
      await ide.open(`${s.url}/graphql`);
      const introspection = page.waitForResponse((r) => new URL(r.url()).pathname === '/graphql' && (r.request().postData() ?? '').includes('__schema') && r.status() === 200);
      await ide.enterKey(s.apiKey);
      await introspection;
      await page.click('button[aria-label*="Documentation Explorer"]');
      await page.waitForSelector('.graphiql-doc-explorer >> text=Query');

      await ide.run('{ sessions { data { id name } } }', '"sessions"');

      expect(pageErrors).toEqual([]);
      expect(await violations()).toEqual([]);
      expect(consoleCsp).toEqual([]);

      // Control: the recorder does see violations — an inline script added to the page is blocked.
      await page.evaluate(() => {
        const d = (globalThis as unknown as { document: any }).document;
        const script = d.createElement('script');
        script.textContent = 'window.__inlineRan = true;';
        d.body.appendChild(script);
      });
      await page.waitForFunction(() => (globalThis as unknown as CspWindow).__cspViolations.length > 0);
      expect(await violations()).toEqual([expect.stringMatching(/^script-src/)]);
      expect(await page.evaluate(() => (globalThis as unknown as CspWindow).__inlineRan ?? false)).toBe(false);
    } finally {
      await browser?.close();
    }
  });
});

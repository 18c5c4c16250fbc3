import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

const CHROMIUM = '/usr/bin/chromium';
interface CodeMirrorElement {
  CodeMirror: { getValue(): string; setValue(value: string): void };
}

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s?.close());

describe('the GraphQL IDE runs subscriptions', () => {
  it('over graphql-ws from a real browser, with the key from the Headers tab', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium to run the IDE subscription test`);
    const session = await createSession(s);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'], timeout: 20_000 });
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(`${s.url}/graphql`, { waitUntil: 'load' });
      const queryEditor = '.graphiql-query-editor .CodeMirror';
      const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
      await page.waitForSelector(headersEditor, { state: 'visible' });
      const setCm = (sel: string, value: string) => page.$eval(sel, (el, v) => (el as unknown as CodeMirrorElement).CodeMirror.setValue(v), value);
      await setCm(headersEditor, JSON.stringify({ Authorization: `Bearer ${s.apiKey}` }));
      await setCm(queryEditor, `subscription Watch { sessionEvents(sessionId: "${session.id}") { type sessionId } }`);
      await page.click('.graphiql-execute-button');
      const result = await page.waitForSelector('.graphiql-response .CodeMirror');
      await page.waitForFunction((el) => (el as unknown as CodeMirrorElement).CodeMirror.getValue().includes('session.created'), result);
      await s.request('POST', `/api/v1/sessions/${session.id}/complete`);
      await page.waitForFunction((el) => (el as unknown as CodeMirrorElement).CodeMirror.getValue().includes('session.completed'), result);
      expect(sockets).toEqual([`${s.url.replace('http', 'ws')}/graphql`]);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser?.close();
    }
  }, 60_000);
});

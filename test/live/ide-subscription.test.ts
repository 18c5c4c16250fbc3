import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions/helpers';
import { launchChromium } from '../support/chromium';
import { idePage, RESULT_PANE } from '../support/ide-page';
import { startServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s?.close());

/** Opens the IDE in a fresh Chromium, runs `test`, and checks the page threw nothing. */
async function withIde(test: (ide: ReturnType<typeof idePage>, page: Page) => Promise<void>): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const ide = idePage(page);
    await ide.open(`${s.url}/graphql`);
    await test(ide, page);
    expect(pageErrors).toEqual([]);
  } finally {
    await browser.close();
  }
}

describe('the GraphQL IDE runs subscriptions', () => {
  it("over graphql-ws from a real browser, with the key from the IDE's key field", async () => {
    const session = await createSession(s);
    await withIde(async (ide, page) => {
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await ide.enterKey(s.apiKey);
      await ide.waitForSchema();
      await ide.run(`subscription Watch { sessionEvents(sessionId: "${session.id}") { type sessionId } }`, 'session.created');
      await s.request('POST', `/api/v1/sessions/${session.id}/complete`);
      await page.waitForFunction((sel) => (globalThis as any).document.querySelector(sel)?.CodeMirror.getValue().includes('session.completed'), RESULT_PANE);
      expect(sockets).toEqual([`${s.url.replace('http', 'ws')}/graphql`]);
    });
  }, 60_000);

  it('with the key from the Headers tab (sent in connection_init)', async () => {
    const session = await createSession(s);
    await withIde(async (ide) => {
      await ide.setHeaders({ Authorization: `Bearer ${s.apiKey}` });
      await ide.run(`subscription { sessionEvents(sessionId: "${session.id}") { type } }`, 'session.created');
    });
  }, 60_000);
});

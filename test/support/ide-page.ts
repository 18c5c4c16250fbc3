import type { Page } from 'playwright-core';
import { IDE_KEY_STORAGE } from '../../src/http/ide.client';

/** GraphiQL 3's editors are CodeMirror 5: the wrapper element carries the editor instance. */
interface CodeMirrorElement {
  CodeMirror: { getValue(): string; setValue(value: string): void };
}

export const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
export const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
export const RESULT_PANE = '.graphiql-response .CodeMirror';
export const KEY_FIELD = '#ide-key';
export const KEY_STATUS = '#ide-key-status';

/** The GraphQL IDE in a Playwright page, driven the way a person does (plus CodeMirror for exact text). */
export function idePage(page: Page) {
  const cmValue = (sel: string) => page.$eval(sel, (el) => (el as unknown as CodeMirrorElement).CodeMirror.getValue());
  const setCm = (sel: string, value: string) => page.$eval(sel, (el, v) => (el as unknown as CodeMirrorElement).CodeMirror.setValue(v), value);
  return {
    cmValue,
    setCm,
    /** Opens the page and waits until GraphiQL and the key field are on screen. */
    async open(url: string): Promise<void> {
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForSelector(QUERY_EDITOR, { state: 'visible' });
      await page.waitForSelector(KEY_FIELD, { state: 'visible' });
    },
    /** Types the key into the IDE's own field and confirms it (Enter), as a person pasting it would. */
    async enterKey(key: string): Promise<void> {
      await page.fill(KEY_FIELD, key);
      await page.press(KEY_FIELD, 'Enter');
    },
    /** Waits until the page says the schema is loaded (introspection succeeded). */
    async waitForSchema(): Promise<void> {
      await page.waitForFunction((sel) => (globalThis as any).document.querySelector(sel)?.textContent.startsWith('Schema loaded'), KEY_STATUS);
    },
    /** Opens the Headers tab below the query editor and replaces its text. */
    async setHeaders(json: Record<string, string>): Promise<void> {
      await page.getByRole('button', { name: 'Headers', exact: true }).click();
      await page.waitForSelector(HEADERS_EDITOR, { state: 'visible' });
      await setCm(HEADERS_EDITOR, JSON.stringify(json));
    },
    /** Puts the operation in the query editor, runs it and waits until the result pane contains `expected`. */
    async run(query: string, expected: string): Promise<string> {
      await setCm(QUERY_EDITOR, query);
      await page.click('.graphiql-execute-button');
      const result = await page.waitForSelector(RESULT_PANE);
      await page.waitForFunction(
        ([el, text]) => (el as unknown as CodeMirrorElement).CodeMirror.getValue().includes(text as string),
        [result, expected] as const,
      );
      return cmValue(RESULT_PANE);
    },
    /** The API key as the page stored it: [sessionStorage, localStorage]. */
    storedKey(): Promise<[string | null, string | null]> {
      return page.evaluate((name) => {
        const g = globalThis as unknown as Record<'sessionStorage' | 'localStorage', { getItem(k: string): string | null }>;
        return [g.sessionStorage.getItem(name), g.localStorage.getItem(name)] as [string | null, string | null];
      }, IDE_KEY_STORAGE);
    },
  };
}

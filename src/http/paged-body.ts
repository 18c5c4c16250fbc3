import type { Response } from 'express';
import type { Reply } from './rest-adapter';

/** How a route reads a whole list a page at a time (RestRoute.allPages). */
export interface AllPages {
  /** The request asks for the whole list (e.g. no `limit` and no `after`). */
  when: (input: { query: Record<string, unknown> }) => boolean;
  /** The body's one field: `{"<field>":[…]}`. */
  field: string;
  /** The operation's variables for the page after `after` (null: the first page). */
  variables: (input: { params: Record<string, string>; query: Record<string, unknown> }, after: string | null) => Record<string, unknown>;
  /** A page's items as the body lists them, and the cursor of the next page (null: the last). */
  page: (data: any) => PageOfItems;
}

export interface PageOfItems {
  items: unknown[];
  next: string | null;
}

/**
 * Writes `{"<field>":[…]}` page by page, byte for byte what `JSON.stringify` of the whole list gives.
 * Between pages the event loop turns (setImmediate) and the socket drains, so a timeline of 10,000
 * events costs other requests a page's worth of waiting at a time, and memory holds a page, not the
 * whole list. The first page runs before anything is sent: its error (401, 404, …), or the whole list
 * when it fits in that page, is returned to the caller to answer as usual. After that the status is out, and a failure can only cut the connection
 * (`onError` logs it), never end the body as if the list were whole.
 */
export async function streamAllPages(
  res: Response,
  field: string,
  page: (after: string | null) => Promise<PageOfItems | Reply>,
  onError: (err: unknown) => void,
): Promise<Reply | undefined> {
  const first = await page(null);
  if ('status' in first) return first;
  // One page is the whole list: an ordinary body, with its Content-Length (HEAD answers as GET).
  if (first.next === null) return { status: 200, body: { [field]: first.items } };
  if (res.headersSent) return undefined; // the body timed out meanwhile (408)
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (res.req.method === 'HEAD') return void res.end();
  try {
    let current: PageOfItems = first;
    let wrote = false;
    res.write(`{${JSON.stringify(field)}:[`);
    for (;;) {
      if (current.items.length) {
        const text = current.items.map((item) => JSON.stringify(item)).join(',');
        if (!res.write(wrote ? `,${text}` : text)) await drainedOrClosed(res);
        wrote = true;
      }
      if (current.next === null) break;
      await new Promise((resolve) => setImmediate(resolve));
      if (res.destroyed) return undefined; // the client left: read no further
      const next = await page(current.next);
      if ('status' in next) throw new Error(`a later page failed: ${JSON.stringify(next.body)}`);
      current = next;
    }
    res.end(']}');
  } catch (err) {
    onError(err);
    res.destroy();
  }
  return undefined;
}

/** Resolves when the socket takes more bytes, or is gone; both listeners go either way (a large body waits many times). */
export function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.once('drain', done).once('close', done);
  });
}

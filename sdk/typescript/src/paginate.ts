import type { RequestOptions } from './transport.js';
import type { Pagination } from './types.js';

/** Largest page the server serves. */
const MAX_PAGE = 100;

/**
 * Walks every page of a list by cursor: the first page as `params` say (from `offset` or `after`), then
 * each `pagination.next` as `after` until it is null. Rows created or deleted meanwhile are neither
 * skipped nor repeated. `params.limit` items a page (default 100).
 */
export async function* paginate<P extends { limit?: number; offset?: number; after?: string }, T>(
  params: P,
  options: RequestOptions | undefined,
  fetchPage: (params: P, options: RequestOptions | undefined) => Promise<{ data: T[]; pagination: Pagination }>,
): AsyncGenerator<T, void, undefined> {
  let page = await fetchPage({ ...params, limit: params.limit ?? MAX_PAGE }, options);
  for (;;) {
    yield* page.data;
    const next = page.pagination.next;
    if (next === null || page.data.length === 0) return;
    page = await fetchPage({ ...params, limit: params.limit ?? MAX_PAGE, offset: undefined, after: next }, options);
  }
}

import type { RequestOptions } from './transport.js';
import type { Pagination } from './types.js';

/** Largest page the server serves. */
const MAX_PAGE = 100;

/**
 * Walks every page of an offset-paginated list, starting at `params.offset` (default 0), `params.limit`
 * items a page (default 100). Items created while iterating may shift the pages (lists are newest first).
 */
export async function* paginate<P extends { limit?: number; offset?: number }, T>(
  params: P,
  options: RequestOptions | undefined,
  fetchPage: (params: P, options: RequestOptions | undefined) => Promise<{ data: T[]; pagination: Pagination }>,
): AsyncGenerator<T, void, undefined> {
  let offset = params.offset ?? 0;
  const limit = params.limit ?? MAX_PAGE;
  for (;;) {
    const page = await fetchPage({ ...params, limit, offset }, options);
    yield* page.data;
    offset += page.data.length;
    if (page.data.length === 0 || offset >= page.pagination.total) return;
  }
}

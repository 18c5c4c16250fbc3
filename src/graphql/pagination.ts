import { Field, Int, ObjectType } from 'type-graphql';
import { intInRange } from '../common/validate';
import { type Cursor, decodeCursor, encodeCursor } from './cursor';
import { BadUserInputError } from './errors';

@ObjectType({ simpleResolvers: true })
export class Pagination {
  @Field(() => Int)
  limit!: number;

  @Field(() => Int, { description: 'Rows skipped: as given, 0 when paging by cursor (`after`).' })
  offset!: number;

  @Field(() => Int, { description: 'How many items match the filter in all.' })
  total!: number;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  next!: string | null;
}

export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  limit: number;
  offset?: number | null;
  after?: string | null;
}

/** The paging rules every list shares: limit 1..100, offset ≥ 0 or a cursor (`after`), not both. */
export function pageArgs(args: PageRequest): { limit: number; offset: number; after: Cursor | null } {
  if (args.after != null && args.offset != null) {
    throw new BadUserInputError('after and offset cannot be used together: page by one of them', 'after');
  }
  return {
    limit: intInRange('limit', args.limit, 1, MAX_PAGE_SIZE),
    offset: intInRange('offset', args.offset ?? 0, 0, 2_147_483_647),
    after: args.after == null ? null : decodeCursor(args.after),
  };
}

/**
 * A page from rows read with `take: limit + 1`: the extra row, when there is one, only tells that the
 * list goes on, and `next` points after the last row kept.
 */
export function pageOf<R extends { id: string }, T>(
  rows: R[],
  page: { limit: number; offset: number },
  total: number,
  timeOf: (row: R) => Date,
  map: (row: R) => T,
): { data: T[]; pagination: Pagination } {
  const kept = rows.slice(0, page.limit);
  const last = kept[kept.length - 1];
  const next = rows.length > page.limit && last ? encodeCursor(timeOf(last), last.id) : null;
  return { data: kept.map(map), pagination: { limit: page.limit, offset: page.offset, total, next } };
}

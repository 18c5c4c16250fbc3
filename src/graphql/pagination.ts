import { Field, Int, ObjectType } from 'type-graphql';
import { intInRange } from '../common/validate';

@ObjectType({ simpleResolvers: true })
export class Pagination {
  @Field(() => Int)
  limit!: number;

  @Field(() => Int)
  offset!: number;

  @Field(() => Int, { description: 'How many items match the filter in all.' })
  total!: number;
}

export const MAX_PAGE_SIZE = 100;

/** The paging rules every list shares: limit 1..100, offset ≥ 0. */
export function pageArgs(args: { limit: number; offset: number }): { limit: number; offset: number } {
  return {
    limit: intInRange('limit', args.limit, 1, MAX_PAGE_SIZE),
    offset: intInRange('offset', args.offset, 0, 2_147_483_647),
  };
}

import { Int } from 'type-graphql';

/**
 * The arguments every list takes, declared once for its resolver's @Arg decorators. `offset` has no
 * GraphQL default so that "offset and after together" can be told apart from "after alone".
 */
export const LIMIT_ARG = ['limit', () => Int, { defaultValue: 20, description: '1 to 100' }] as const;
export const OFFSET_ARG = ['offset', () => Int, { nullable: true, description: 'Rows to skip, default 0. Not with `after`.' }] as const;
export const AFTER_ARG = ['after', () => String, { nullable: true, description: 'A cursor from `pagination.next`: the page after it. Not with `offset`.' }] as const;

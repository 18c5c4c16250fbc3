import { GraphQLScalarType, Kind } from 'graphql';
import { JSONObjectResolver, JSONResolver } from 'graphql-scalars';
import { isoSeconds } from '../common/clock';

/** Timestamps leave the API as ISO-8601 UTC strings with second precision, ending in Z. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 UTC timestamp, e.g. "2024-06-12T10:00:00Z".',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`DateTime cannot represent ${String(value)}`);
    return isoSeconds(date);
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    return parseDate(ast.kind === Kind.STRING ? ast.value : null);
  },
});

export const JSONObjectScalar = JSONObjectResolver;
export const JSONScalar = JSONResolver;

/** RFC 3339 date-time: what Date.parse reads the same on every engine ("June 5" is not a time). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' && RFC3339.test(value) ? new Date(value.replace(' ', 'T')) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an RFC 3339 time, e.g. "2024-06-12T10:00:00Z"');
  return date;
}

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

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
  return date;
}

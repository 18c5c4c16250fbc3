import type { ArgType } from '@prisma/driver-adapter-utils';

/**
 * The driver adapter's argument types of our fixed statements, by the kind of value bound: the reads
 * (fixed-statements.ts), the multi-row INSERTs (fixed-writes.ts) and the delivery's UPDATEs
 * (messages/message.statements.ts) share them.
 */
export const ARG_TYPES = {
  text: { scalarType: 'string', arity: 'scalar' },
  int: { scalarType: 'int', arity: 'scalar' },
  bigint: { scalarType: 'bigint', arity: 'scalar' },
  datetime: { scalarType: 'datetime', arity: 'scalar' },
  json: { scalarType: 'json', arity: 'scalar' },
  bytes: { scalarType: 'bytes', arity: 'scalar' },
  textList: { scalarType: 'string', arity: 'list' },
} as const satisfies Record<string, ArgType>;

import { BadUserInputError } from './errors';

/**
 * Keyset paging: a cursor names the last row of a page by its place in the list's order, (time, id),
 * so the next page starts right after it whatever was inserted or deleted meanwhile. No row is skipped
 * or repeated, and a deep page costs what the first one does (an index seek, not `offset` skipped rows).
 *
 * Opaque to clients: base64url of `[milliseconds, id]`. Only its shape is trusted; a forged cursor can
 * at most start another page of the caller's own list, since the owner filter stays in every query.
 */
export interface Cursor {
  at: Date;
  id: string;
}

const MAX_CURSOR_LENGTH = 200;
const ID_SHAPE = /^[a-z]{1,8}_[0-9A-Za-z]{1,64}$/;

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.getTime(), id])).toString('base64url');
}

/** The cursor's position, or BAD_USER_INPUT naming `after` for anything this service did not issue. */
export function decodeCursor(text: string): Cursor {
  const bad = () => new BadUserInputError('after must be a cursor returned in pagination.next', 'after');
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 2) throw bad();
  const [ms, id] = value as unknown[];
  if (!Number.isSafeInteger(ms) || (ms as number) < 0 || typeof id !== 'string' || !ID_SHAPE.test(id)) throw bad();
  const at = new Date(ms as number);
  if (Number.isNaN(at.getTime())) throw bad();
  return { at, id };
}

/**
 * The Prisma condition "after the cursor" for a list ordered by (`field` desc, id desc): strictly older,
 * or as old with a smaller id (ties on the time are broken by the id, as the order is).
 */
export function olderThan<F extends string>(field: F, cursor: Cursor) {
  return { OR: [{ [field]: { lt: cursor.at } }, { [field]: cursor.at, id: { lt: cursor.id } }] } as {
    OR: ({ [K in F]: { lt: Date } } | ({ [K in F]: Date } & { id: { lt: string } }))[];
  };
}

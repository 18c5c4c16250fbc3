import { BadUserInputError } from '../graphql/errors';

/**
 * The feed's one cursor: an event's sequence number, encoded opaquely (base64url of "e<seq>") so that
 * clients pass it back rather than compute with it. Every reader — the paged timeline, subscriptions,
 * SSE — resumes strictly after the event it names.
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`e${seq}`).toString('base64url');
}

/** The sequence number a cursor names; null/undefined means "from the start" (0). */
export function decodeCursor(cursor: string | null | undefined, field = 'after'): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = typeof cursor === 'string' && /^[A-Za-z0-9_-]{1,24}$/.test(cursor) ? /^e(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1')) : null;
  if (!match) throw new BadUserInputError(`${field} is not a valid cursor`, field);
  return Number(match[1]);
}

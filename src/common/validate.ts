import { BadUserInputError } from '../graphql/errors';

/** Input rules shared by every feature. Each throws BAD_USER_INPUT with a message naming the field. */

export function requireText(field: string, value: unknown, maxLength: number): string {
  if (value === undefined || value === null) throw new BadUserInputError(`${field} is required`, field);
  if (typeof value !== 'string') throw new BadUserInputError(`${field} must be a string`, field);
  if (value.trim() === '') throw new BadUserInputError(`${field} must not be empty`, field);
  if ([...value].length > maxLength) throw new BadUserInputError(`${field} must be at most ${maxLength} characters`, field);
  rejectUnstorable(field, value);
  return value;
}

/**
 * Text that ends up in JSON columns must be storable on every engine: PostgreSQL refuses NUL and
 * unpaired UTF-16 surrogates there. Refused on SQLite too, so both engines behave the same.
 */
export function rejectUnstorable(field: string, value: string): void {
  if (value.includes('\u0000')) throw new BadUserInputError(`${field} must not contain NUL characters`, field);
  if (LONE_SURROGATE.test(value)) throw new BadUserInputError(`${field} must not contain unpaired surrogates (invalid Unicode)`, field);
}

/** For text we must accept as it came (received mail): NULs dropped, unpaired surrogates replaced by U+FFFD. */
export function storable(value: string): string {
  return value.replaceAll('\u0000', '').toWellFormed();
}

export function intInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadUserInputError(`${field} must be an integer between ${min} and ${max}`, field);
  }
  return value;
}

const MAX_JSON_DEPTH = 20;

/** A JSON object (not an array, string or null), at most `maxBytes` serialized, not absurdly nested. */
export function jsonObject(field: string, value: unknown, maxBytes: number): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadUserInputError(`${field} must be a JSON object`, field);
  if (deeperThan(value, MAX_JSON_DEPTH)) throw new BadUserInputError(`${field} must be nested at most ${MAX_JSON_DEPTH} levels deep`, field);
  const serialized = JSON.stringify(value);
  if (Buffer.byteLength(serialized) > maxBytes) throw new BadUserInputError(`${field} must be at most ${maxBytes / 1024} KB`, field);
  // PostgreSQL's jsonb can store neither \u0000 nor an unpaired surrogate (\ud800 alone): refuse them
  // on every engine so behaviour is the same. Keys and values are checked as strings, so the text
  // "\\u0000" (backslash, u, zeros) is fine.
  const bad = badString(value);
  if (bad === 'nul') throw new BadUserInputError(`${field} must not contain NUL characters`, field);
  if (bad === 'surrogate') throw new BadUserInputError(`${field} must not contain unpaired surrogates (invalid Unicode)`, field);
  return value as Record<string, unknown>;
}

/** An unpaired UTF-16 surrogate: not Unicode text, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badString(value: unknown): 'nul' | 'surrogate' | null {
  const check = (s: string) => (s.includes('\u0000') ? 'nul' : LONE_SURROGATE.test(s) ? 'surrogate' : null);
  if (typeof value === 'string') return check(value);
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const bad = (Array.isArray(value) ? null : check(k)) ?? badString(v);
    if (bad) return bad;
  }
  return null;
}

/** Stops descending past `limit`, so a hostile million-level body cannot exhaust the stack. */
function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => deeperThan(child, limit - 1));
}

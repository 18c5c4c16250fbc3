/**
 * JSON text in one canonical form (RFC 8785, JSON Canonicalization Scheme, for the values JSON.parse
 * yields): object keys sorted by UTF-16 code units, no whitespace, numbers and strings as ECMAScript's
 * JSON.stringify writes them (which is what RFC 8785 prescribes). Two bodies that differ only in key
 * order or spacing give the same text, so they fingerprint alike.
 *
 * Recursive: a value nested thousands of levels deep throws RangeError, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // undefined (or a function) has no JSON form: as a top-level value it is written as null.
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  const entries = Object.keys(value)
    // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
    .sort()
    .filter((k) => {
      const v = (value as Record<string, unknown>)[k];
      return v !== undefined && typeof v !== 'function';
    })
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

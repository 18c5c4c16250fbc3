/**
 * A message's recipients as stored in one text column: a JSON array, so an address whose quoted local
 * part holds a comma (`"a,b"@c.d`, kept whole by the MIME parser) stays one address. Rows written before
 * this were joined with commas; they are still read that way (none of their addresses can start with `[`).
 */
export function encodeAddressList(addresses: readonly string[]): string {
  return addresses.length ? JSON.stringify(addresses) : '';
}

export function decodeAddressList(stored: string | null): string[] {
  if (!stored) return [];
  if (stored.startsWith('[')) {
    try {
      const list: unknown = JSON.parse(stored);
      if (Array.isArray(list)) return list.map(String);
    } catch {
      // Not JSON after all: an old comma-joined row.
    }
  }
  return stored.split(',');
}

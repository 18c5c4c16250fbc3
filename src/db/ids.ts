import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 22; // 22 base62 chars ≈ 131 bits: unguessable, and short enough to read in a log line.

export const ID_PREFIXES = {
  session: 'sess',
  inbox: 'inb',
  wait: 'wait',
  message: 'msg',
  attachment: 'att',
  event: 'evt',
  owner: 'own',
  apiKey: 'key',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** Random base62 text from the OS CSPRNG, without modulo bias (bytes ≥ 248 are discarded). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomBase62(ID_LENGTH)}`;
}

/** True when `id` has the shape this service issues for `kind`; anything else cannot exist. */
export function isId(kind: IdKind, id: string): boolean {
  return id.length === ID_PREFIXES[kind].length + 1 + ID_LENGTH && id.startsWith(`${ID_PREFIXES[kind]}_`)
    && /^[0-9A-Za-z]+$/.test(id.slice(ID_PREFIXES[kind].length + 1));
}

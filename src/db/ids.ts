import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 22 base62 chars: the creation time (7), then 15 random ones (≈ 89 bits, unguessable), short enough to read in a log line. */
const ID_LENGTH = 22;
/**
 * Milliseconds since 1970 in 7 base62 digits (enough until the year 2081). Ids made close in time share
 * their leading characters, so each table's id index takes new rows near each other instead of at random
 * places: a batch of deliveries dirties a few index pages, not one per row (the SQLite commit writes
 * every dirty page to the WAL). Measured in bench/README.md, "SMTP ingest, round 6".
 */
const TIME_DIGITS = 7;

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

/**
 * Bytes from the OS CSPRNG, drawn a pool at a time (as crypto.randomUUID does): one draw per id cost
 * ~13 µs, a tenth of a stored message's own CPU. Each byte is handed out once.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}

/** Random base62 text from the OS CSPRNG, without modulo bias (bytes ≥ 248 are discarded). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

const TIME_LIMIT = 62 ** TIME_DIGITS - 1;

function timeBase62(at: Date): string {
  // Clamped, never wrapped: a clock set outside 1970–2081 still gives a well-formed id.
  let ms = Math.min(Math.max(Math.floor(at.getTime()), 0), TIME_LIMIT) || 0;
  let out = '';
  for (let i = 0; i < TIME_DIGITS; i++) {
    out = ALPHABET[ms % 62] + out;
    ms = Math.floor(ms / 62);
  }
  return out;
}

/** A new id of `kind`, made at `at`: the time the row records as its creation, so ids sort as rows were made. */
export function newId(kind: IdKind, at = new Date()): string {
  return `${ID_PREFIXES[kind]}_${timeBase62(at)}${randomBase62(ID_LENGTH - TIME_DIGITS)}`;
}

/** True when `id` has the shape this service issues for `kind`; anything else cannot exist. */
export function isId(kind: IdKind, id: string): boolean {
  return id.length === ID_PREFIXES[kind].length + 1 + ID_LENGTH && id.startsWith(`${ID_PREFIXES[kind]}_`)
    && /^[0-9A-Za-z]+$/.test(id.slice(ID_PREFIXES[kind].length + 1));
}

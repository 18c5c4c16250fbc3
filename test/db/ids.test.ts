import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, isId, newId, randomBase62 } from '../../src/db/ids';

/**
 * Ids lead with their creation time so that each table's id index takes new rows side by side (the
 * SQLite commit writes every index page a batch touched; bench/README.md, "SMTP ingest, round 6"),
 * and stay unguessable: the rest is random.
 */
describe('ids', () => {
  it('sort by creation time, byte by byte, whatever their random part', () => {
    const times = [0, 61, 62, 3_843, 1_700_000_000_000, 1_700_000_000_001, Date.UTC(2080, 0, 1)];
    const ids = times.map((t) => newId('message', new Date(t)));
    expect([...ids].sort()).toEqual(ids);
    // Many ids of one millisecond share its prefix; the next millisecond's sort after all of them.
    const same = Array.from({ length: 200 }, () => newId('event', new Date(1_700_000_000_000)));
    const next = newId('event', new Date(1_700_000_000_001));
    expect(new Set(same.map((id) => id.slice(0, 'evt_'.length + 7))).size).toBe(1);
    for (const id of same) expect(id < next).toBe(true);
  });

  it('keep the shape every kind is checked against', () => {
    for (const kind of Object.keys(ID_PREFIXES) as (keyof typeof ID_PREFIXES)[]) {
      const id = newId(kind);
      expect(isId(kind, id)).toBe(true);
      expect(id).toMatch(new RegExp(`^${ID_PREFIXES[kind]}_[0-9A-Za-z]{22}$`));
    }
    // A clock outside the years the time digits cover (or no time at all) still gives a well-formed id.
    for (const at of [new Date(-1), new Date(Date.UTC(2200, 0, 1)), new Date(Number.NaN)]) expect(isId('session', newId('session', at))).toBe(true);
  });

  it('are random past the time: 20,000 of one millisecond are distinct and use every character evenly', () => {
    // 20,000 ids draw ~330,000 bytes, so the byte pool is refilled many times over.
    const ids = Array.from({ length: 20_000 }, () => newId('message', new Date(1_700_000_000_000)));
    expect(new Set(ids).size).toBe(ids.length);
    const counts = new Map<string, number>();
    for (const id of ids) for (const ch of id.slice('msg_'.length + 7)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 300,000 characters over 62: ~4,839 each (σ ≈ 69); a skew such as modulo bias (+25 %) is far outside.
    for (const n of counts.values()) expect(Math.abs(n - 300_000 / 62)).toBeLessThan(500);
  });

  it('draw random text of any length from the pool', () => {
    const long = randomBase62(10_000);
    expect(long).toMatch(/^[0-9A-Za-z]{10000}$/);
    expect(randomBase62(10_000)).not.toBe(long);
  });
});

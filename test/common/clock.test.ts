import { describe, expect, it } from 'vitest';
import { isoSeconds } from '../../src/common/clock';

describe('isoSeconds', () => {
  it('writes UTC with second precision and drops the milliseconds', () => {
    expect(isoSeconds(new Date('2024-06-12T10:00:00.999Z'))).toBe('2024-06-12T10:00:00Z');
    expect(isoSeconds(new Date('2024-06-12T12:34:56+02:00'))).toBe('2024-06-12T10:34:56Z');
    expect(isoSeconds(new Date(0))).toBe('1970-01-01T00:00:00Z');
  });

  it('keeps the extended form for years outside 0000–9999', () => {
    expect(isoSeconds(new Date(Date.UTC(10000, 0, 1, 0, 0, 0, 123)))).toBe('+010000-01-01T00:00:00Z');
    const early = new Date(0);
    early.setUTCFullYear(-1, 0, 1);
    expect(isoSeconds(early)).toBe('-000001-01-01T00:00:00Z');
  });

  it('refuses an invalid date as toISOString does', () => {
    expect(() => isoSeconds(new Date(NaN))).toThrow(RangeError);
  });
});

import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../../src/graphql/document-cache';

const SUB = 'subscription($id: ID!) { sessionEvents(sessionId: $id) { id } }';

describe('DocumentCache (graphql-ws subscriptions share one parsed document per text)', () => {
  it('parses a text once: every operation with that text gets the same document', () => {
    let parses = 0;
    const cache = new DocumentCache((s) => (parses++, parse(s)));
    const a = cache.document(SUB);
    const b = cache.document(SUB);
    expect(b).toBe(a);
    expect(parses).toBe(1);
    expect(cache.document('subscription { events { id } }')).not.toBe(a);
    expect(cache.size).toBe(2);
  });

  it('keeps nothing for a text that does not parse, nor for one over the length bound', () => {
    const cache = new DocumentCache((s) => parse(s), 10, 100);
    expect(() => cache.document('subscription {')).toThrow(/Syntax Error/);
    expect(cache.size).toBe(0);
    const long = `subscription { events { ${'id '.repeat(50)}} }`;
    expect(cache.document(long)).not.toBe(cache.document(long));
    expect(cache.size).toBe(0);
  });

  it('is bounded: past maxEntries the oldest text goes', () => {
    const cache = new DocumentCache((s) => parse(s), 2);
    const first = cache.document('subscription { a: events { id } }');
    cache.document('subscription { b: events { id } }');
    cache.document('subscription { c: events { id } }');
    expect(cache.size).toBe(2);
    expect(cache.document('subscription { a: events { id } }')).not.toBe(first);
  });

  it('validates a document once it passed, and a failing one every time', () => {
    const cache = new DocumentCache((s) => parse(s));
    const good = cache.document(SUB);
    const bad = cache.document('subscription { nope }');
    let checks = 0;
    const check = (errors: string[]) => () => (checks++, errors);
    expect(cache.validate(good, check([]))).toEqual([]);
    expect(cache.validate(good, check([]))).toEqual([]);
    expect(checks).toBe(1);
    expect(cache.validate(bad, check(['Cannot query field "nope"']))).toEqual(['Cannot query field "nope"']);
    expect(cache.validate(bad, check(['Cannot query field "nope"']))).toEqual(['Cannot query field "nope"']);
    expect(checks).toBe(3);
  });
});

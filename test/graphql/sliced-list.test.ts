import { buildSchema, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LIST_SLICE, slicedList } from '../../src/graphql/sliced-list';

/** A list field as graphql-js executes it: the items, the order, and how many turns of the event loop ran meanwhile. */
async function execute(items: { n: number }[]) {
  const schema = buildSchema('type Item { n: Int! } type Query { items: [Item!]! }');
  let turns = 0;
  let counting = true;
  const count = () => {
    if (!counting) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  const result = await graphql({ schema, source: '{ items { n } }', rootValue: { items: () => slicedList(items) } });
  counting = false;
  return { result, turns };
}

describe('slicedList: a long list completed a slice per turn of the event loop', () => {
  it('a list of up to one slice is returned as it is, and completes in the turn that resolves it', async () => {
    const items = Array.from({ length: LIST_SLICE }, (_, n) => ({ n }));
    expect(slicedList(items)).toBe(items);
    const { result, turns } = await execute(items);
    expect(result.errors).toBeUndefined();
    expect((result.data!.items as { n: number }[]).map((i) => i.n)).toEqual(items.map((i) => i.n));
    expect(turns).toBe(0);
  });

  it('2,001 items: the same list in the same order, with other work running between its 5 slices', async () => {
    const items = Array.from({ length: 4 * LIST_SLICE + 1 }, (_, n) => ({ n }));
    const { result, turns } = await execute(items);
    expect(result.errors).toBeUndefined();
    expect((result.data!.items as { n: number }[]).map((i) => i.n)).toEqual(items.map((i) => i.n));
    // One turn before each slice after the first.
    expect(turns).toBeGreaterThanOrEqual(4);
  });
});

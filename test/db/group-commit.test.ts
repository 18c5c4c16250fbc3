import { describe, expect, it } from 'vitest';
import { GroupCommit, type Settled } from '../../src/db/group-commit';

/**
 * GroupCommit's commit delay (lingerMs): under load a batch waits for more items; after a quiet spell,
 * or once a batch is full, it does not. The deliveries it serves are tested end to end in
 * test/smtp/group-commit.test.ts.
 */

/** A GroupCommit whose run records each batch and echoes its items. */
function recorder(limits: ConstructorParameters<typeof GroupCommit<string, string>>[1]) {
  const batches: string[][] = [];
  const commit = new GroupCommit<string, string>(async (items) => {
    batches.push(items);
    return items.map((item): Settled<string> => ({ value: item }));
  }, limits);
  return { batches, commit };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Longer than the test timeout: a test that lingers this long fails instead of passing. */
const FOREVER = 120_000;

describe('GroupCommit commit delay', () => {
  it('a lone first item starts at the next turn: it does not linger', async () => {
    const { batches, commit } = recorder({ maxItems: 10, lingerMs: FOREVER });
    await expect(commit.submit('a')).resolves.toBe('a');
    expect(batches).toEqual([['a']]);
  });

  it('after a quiet spell of lingerMs a batch starts at once again (before a timer of half the delay fires)', async () => {
    const { batches, commit } = recorder({ maxItems: 10, lingerMs: 100 });
    await commit.submit('a');
    await sleep(150);
    const order: string[] = [];
    const timer = sleep(50).then(() => order.push('timer'));
    await commit.submit('b').then(() => order.push('b'));
    await timer;
    expect(order).toEqual(['b', 'timer']);
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('a batch right after another lingers: items submitted meanwhile join it', async () => {
    const { batches, commit } = recorder({ maxItems: 10, lingerMs: 200 });
    await commit.submit('a');
    // Within the delay of a's batch's end: b's batch waits, and c, submitted 20 ms later, joins it.
    const b = commit.submit('b');
    await sleep(20);
    const c = commit.submit('c');
    expect(await Promise.all([b, c])).toEqual(['b', 'c']);
    expect(batches).toEqual([['a'], ['b', 'c']]);
  });

  it('items queued while a batch runs linger for more before the next batch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batches: string[][] = [];
    const commit = new GroupCommit<string, string>(
      async (items) => {
        batches.push(items);
        if (items[0] === 'a') await gate;
        return items.map((value) => ({ value }));
      },
      { maxItems: 10, lingerMs: 200 },
    );
    const a = commit.submit('a');
    await sleep(5); // a's batch is running
    const b = commit.submit('b');
    release();
    await a;
    const c = commit.submit('c'); // after a's batch ended, while b's lingers
    await Promise.all([b, c]);
    expect(batches).toEqual([['a'], ['b', 'c']]);
  });

  it('a full batch ends the delay at once: by item count (maxItems)', async () => {
    const { batches, commit } = recorder({ maxItems: 3, lingerMs: FOREVER });
    await commit.submit('a');
    expect(await Promise.all(['b', 'c', 'd'].map((x) => commit.submit(x)))).toEqual(['b', 'c', 'd']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('a full batch ends the delay at once: by weight (maxWeight)', async () => {
    const { batches, commit } = recorder({ maxItems: 10, weight: (x) => x.length, maxWeight: 6, lingerMs: FOREVER });
    await commit.submit('a');
    const b = commit.submit('bbb');
    await sleep(5); // b's batch is lingering
    expect(await Promise.all([b, commit.submit('ccc')])).toEqual(['bbb', 'ccc']);
    expect(batches).toEqual([['a'], ['bbb', 'ccc']]);
  });
});

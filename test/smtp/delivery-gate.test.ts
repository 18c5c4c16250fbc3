import { describe, expect, it } from 'vitest';
import { DeliveryGate } from '../../src/smtp/delivery-gate';

/** A task that runs until its `finish` is called, recording when it started. */
function controlled(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: async () => { started.push(name); await done; return name; }, finish: () => finish() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('DeliveryGate: bytes of mail parsed and stored at once', () => {
  it('lets many small messages through together (they reach one group commit)', async () => {
    const gate = new DeliveryGate(1_000);
    const started: string[] = [];
    const tasks = Array.from({ length: 50 }, (_, i) => controlled(started, `m${i}`));
    const runs = tasks.map((t) => gate.run(10, t.task));
    await turn();
    expect(started).toHaveLength(50);
    tasks.forEach((t) => t.finish());
    await Promise.all(runs);
  });

  it('holds large ones to the budget, in order, and always runs one however large', async () => {
    const gate = new DeliveryGate(1_000);
    const started: string[] = [];
    const big1 = controlled(started, 'big1');
    const big2 = controlled(started, 'big2');
    const huge = controlled(started, 'huge');
    const small = controlled(started, 'small');
    const runs = [gate.run(600, big1.task), gate.run(600, big2.task), gate.run(5_000, huge.task), gate.run(1, small.task)];
    await turn();
    expect(started).toEqual(['big1']);
    big1.finish();
    await turn();
    expect(started).toEqual(['big1', 'big2']);
    big2.finish();
    await turn();
    // Over the budget on its own, it runs alone; the small one behind it waits its turn (no overtaking).
    expect(started).toEqual(['big1', 'big2', 'huge']);
    huge.finish();
    await turn();
    expect(started).toEqual(['big1', 'big2', 'huge', 'small']);
    small.finish();
    expect(await Promise.all(runs)).toEqual(['big1', 'big2', 'huge', 'small']);
  });

  it('frees its share when a task fails', async () => {
    const gate = new DeliveryGate(100);
    await expect(gate.run(100, () => Promise.reject(new Error('parse failed')))).rejects.toThrow('parse failed');
    expect(await gate.run(100, async () => 'next')).toBe('next');
  });
});

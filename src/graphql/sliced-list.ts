/** Items graphql-js completes in one turn of the event loop before the next slice waits for another. */
export const LIST_SLICE = 500;

/**
 * A long list field's value, completed a slice at a time. graphql-js completes every item of a list (its
 * fields, scalars and all) in the turn that resolves it: for a 10,000-event timeline that held the event
 * loop ~60 ms, and every other request waited. Here the items past the first slice are promises, each
 * slice's settling a turn (setImmediate) after the one before, so graphql-js completes one slice per turn
 * and other I/O runs in between. The result is the same list, in the same order.
 */
export function slicedList<T>(items: readonly T[], slice = LIST_SLICE): (T | Promise<T>)[] {
  if (items.length <= slice) return items as T[];
  const out: (T | Promise<T>)[] = items.slice(0, slice);
  let turn: Promise<void> = Promise.resolve();
  for (let start = slice; start < items.length; start += slice) {
    turn = turn.then(nextTurn);
    const ready = turn;
    for (const item of items.slice(start, start + slice)) out.push(ready.then(() => item));
  }
  return out;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

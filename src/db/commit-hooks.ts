/**
 * Work a transaction's writers ask to run at its end: `beforeCommit` as its last statements (inside it),
 * `afterCommit` once it has committed (never when it rolled back). Kept per transaction client object,
 * so writers need nothing but the `tx` they were handed. `db.tx` runs them (see client.ts).
 */
interface Hooks {
  before: Map<string, () => Promise<void>>;
  after: Map<string, () => void>;
}

const hooksOf = new WeakMap<object, Hooks>();

function hooks(tx: object): Hooks {
  let h = hooksOf.get(tx);
  if (!h) hooksOf.set(tx, (h = { before: new Map(), after: new Map() }));
  return h;
}

/** Runs `fn` as the transaction's last work; a second registration under the same name is ignored. */
export function beforeCommit(tx: object, name: string, fn: () => Promise<void>): void {
  const h = hooks(tx);
  if (!h.before.has(name)) h.before.set(name, fn);
}

/** Runs `fn` after the transaction committed; a second registration under the same name is ignored. */
export function afterCommit(tx: object, name: string, fn: () => void): void {
  const h = hooks(tx);
  if (!h.after.has(name)) h.after.set(name, fn);
}

/** Wraps a transaction runner so that registered hooks run at its end. */
export async function withCommitHooks<T, Tx extends object>(run: (fn: (tx: Tx) => Promise<T>) => Promise<T>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let registered: Hooks | undefined;
  const result = await run(async (tx) => {
    const value = await fn(tx);
    registered = hooksOf.get(tx);
    if (registered) for (const before of registered.before.values()) await before();
    return value;
  });
  if (registered) for (const after of registered.after.values()) after();
  return result;
}

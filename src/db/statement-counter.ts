import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, SqlQueryable } from '@prisma/driver-adapter-utils';

/**
 * Counts the SQL statements Prisma sends through a driver adapter (in and out of transactions), so
 * tests and the benchmark can assert "a fixed number of statements per request" — N+1 shows up here.
 */
export class StatementCounter {
  count = 0;

  /**
   * `seen` is told of each connected adapter (counted: what the fixed statements of fixed-statements.ts
   * run on), and of each statement sent in a transaction, with the adapter transaction it went through.
   */
  wrap<F extends SqlDriverAdapterFactory>(factory: F, seen: AdapterListener = {}): F {
    const counter = this;
    return proxy(factory, {
      connect: (original) => async () => {
        const adapter = counter.wrapQueryable(await original(), seen);
        seen.connected?.(adapter);
        return adapter;
      },
    });
  }

  private wrapQueryable<Q extends SqlDriverAdapter>(adapter: Q, seen: AdapterListener): Q {
    return proxy(adapter, {
      queryRaw: (original) => (q: unknown) => {
        this.count++;
        return original(q);
      },
      executeRaw: (original) => (q: unknown) => {
        this.count++;
        return original(q);
      },
      startTransaction: (original) => async (...args: unknown[]) => this.wrapTransaction(await original(...args), seen),
    });
  }

  private wrapTransaction<T extends SqlQueryable>(tx: T, seen: AdapterListener): T {
    const wrapped: T = proxy(tx, {
      queryRaw: (original) => (q: SqlQuery) => {
        this.count++;
        seen.transactionStatement?.(wrapped, q);
        return original(q);
      },
      executeRaw: (original) => (q: SqlQuery) => {
        this.count++;
        seen.transactionStatement?.(wrapped, q);
        return original(q);
      },
    });
    return wrapped;
  }
}

export interface AdapterListener {
  connected?(adapter: SqlDriverAdapter): void;
  transactionStatement?(tx: SqlQueryable, statement: SqlQuery): void;
}

/**
 * A proxy that binds methods to the real object (adapters use #private fields) and overrides some.
 * Prisma reads the adapter's methods several times per statement: each is bound once, not per read.
 */
function proxy<T extends object>(target: T, overrides: Record<string, (original: (...a: any[]) => any) => (...a: any[]) => any>): T {
  const made = new Map<PropertyKey, { from: unknown; fn: unknown }>();
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      const cached = made.get(prop);
      if (cached && cached.from === value) return cached.fn;
      const bound = value.bind(obj);
      const override = typeof prop === 'string' ? overrides[prop] : undefined;
      const fn = override ? override(bound) : bound;
      made.set(prop, { from: value, fn });
      return fn;
    },
  });
}

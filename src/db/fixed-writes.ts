import type { ArgType, SqlQueryable } from '@prisma/driver-adapter-utils';
import { ARG_TYPES } from './arg-types';
import type { Provider } from './url';

/**
 * Fixed multi-row INSERTs on an adapter transaction (`db.adapterTx(tx)`), beneath Prisma's query path,
 * for the delivery transaction (issue 22: its per-row cost in Prisma's compiler and interpreter was most
 * of a delivery's CPU time; bench/README.md, SMTP ingest). The reads are in fixed-statements.ts.
 *
 * Each value goes to the adapter as Prisma hands it over, so that the same rows are stored: a Date for a
 * DateTime (each adapter writes it as for Prisma), JSON as its text, bytes as a Buffer. The columns are
 * a table typed against Prisma's generated model, so a model field without a column does not compile;
 * test/db/fixed-writes.test.ts proves, on both engines, that rows written here equal those createMany writes.
 */

type WriteKind = 'text' | 'int' | 'datetime' | 'json' | 'bytes';

/** One entry per column written, its kind following from the model field's type. */
export type WriteColumns<M> = {
  [K in keyof M]-?: NonNullable<M[K]> extends Date
    ? 'datetime'
    : NonNullable<M[K]> extends Uint8Array
      ? 'bytes'
      : NonNullable<M[K]> extends number
        ? 'int'
        : NonNullable<M[K]> extends string
          ? 'text'
          : 'json';
};

/** Bound parameters per statement at most (SQLite allows 32,766, PostgreSQL 65,535): more rows, more statements. */
const MAX_PARAMS = 10_000;

export class FixedInsert<Row> {
  private readonly names: (keyof Row & string)[];
  private readonly kinds: WriteKind[];
  /** Statement text by provider and row count (a batch has few distinct sizes). */
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly table: string,
    columns: WriteColumns<Row>,
  ) {
    this.names = Object.keys(columns) as (keyof Row & string)[];
    this.kinds = this.names.map((n) => columns[n] as WriteKind);
  }

  /** Inserts `rows` in their order (an autoincrement column numbers them so) on `on`. */
  async run(on: SqlQueryable, provider: Provider, rows: readonly Row[]): Promise<void> {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / this.names.length));
    for (let at = 0; at < rows.length; at += perStatement) {
      const some = rows.slice(at, at + perStatement);
      const args: unknown[] = [];
      const argTypes: ArgType[] = [];
      for (const row of some) {
        for (let i = 0; i < this.names.length; i++) {
          args.push(encode(this.kinds[i]!, row[this.names[i]!]));
          argTypes.push(ARG_TYPES[this.kinds[i]!]);
        }
      }
      await on.executeRaw({ sql: this.text(provider, some.length), args, argTypes });
    }
  }

  private text(provider: Provider, rows: number): string {
    const key = `${provider} ${rows}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      let n = 0;
      const param = provider === 'postgresql' ? () => `$${++n}` : () => '?';
      const tuple = () => `(${this.names.map(param).join(', ')})`;
      text = `INSERT INTO "${this.table}" (${this.names.map((c) => `"${c}"`).join(', ')}) VALUES ${Array.from({ length: rows }, tuple).join(', ')}`;
      this.texts.set(key, text);
    }
    return text;
  }
}

function encode(kind: WriteKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'json':
      return JSON.stringify(value);
    case 'bytes': {
      const bytes = value as Uint8Array;
      // A view, not a copy: both drivers bind a Buffer's bytes.
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    default:
      return value;
  }
}

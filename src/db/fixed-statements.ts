import type { ArgType, SqlQueryable } from '@prisma/driver-adapter-utils';
import DataLoader from 'dataloader';
import type { Database as SqliteConnection, Statement } from 'better-sqlite3';
import type { Inbox, Session, Wait } from '../generated/sqlite/client';
import { ARG_TYPES } from './arg-types';
import type { Provider } from './url';

/**
 * The few hottest reads (issue 22: a session and a wait by id, a session's child ids), as fixed SQL run
 * on the connected driver adapter, beneath Prisma's query compiler and interpreter, which were most of a
 * by-id read's CPU time (bench/README.md, "Where a by-id read's time goes").
 *
 * What stays the same as through Prisma: the adapter (so on SQLite the reader connection and its
 * statement cache, on PostgreSQL the pool), the statement counter, and the row types, which are Prisma's
 * generated models; the columns of each query are derived from a table typed against the model, so a
 * model field without a column does not compile. test/db/fixed-statements.test.ts proves, on both
 * engines, that each query returns exactly the rows Prisma returns.
 *
 * Writes can use it inside a transaction too: every method takes an optional `on`, the adapter
 * transaction to run on (see `Database.adapterTx`), instead of the pool / reader connection.
 */

/** How a column's adapter value becomes the model's value: what Prisma's result mapping does per type. */
type Kind = 'text' | 'int' | 'bigint' | 'datetime' | 'json';

/** One entry per field of the model, its kind following from the field's type: nothing can be left out. */
type Columns<M> = {
  [K in keyof M]-?: NonNullable<M[K]> extends Date ? 'datetime' : NonNullable<M[K]> extends number ? 'int' : NonNullable<M[K]> extends bigint ? 'bigint' : NonNullable<M[K]> extends string ? 'text' : 'json';
};

const SESSION: Columns<Session> = {
  id: 'text',
  ownerId: 'text',
  name: 'text',
  status: 'text',
  metadata: 'json',
  failureReason: 'text',
  createdAt: 'datetime',
  updatedAt: 'datetime',
  completedAt: 'datetime',
};

export const WAIT: Columns<Wait> = {
  id: 'text',
  ownerId: 'text',
  inboxId: 'text',
  sessionId: 'text',
  type: 'text',
  status: 'text',
  timeoutSeconds: 'int',
  since: 'datetime',
  filters: 'json',
  result: 'json',
  createdAt: 'datetime',
  deadline: 'datetime',
  endedAt: 'datetime',
};

export const INBOX: Columns<Inbox> = {
  id: 'text',
  ownerId: 'text',
  sessionId: 'text',
  emailAddress: 'text',
  status: 'text',
  metadata: 'json',
  createdAt: 'datetime',
  expiresAt: 'datetime',
  deletedAt: 'datetime',
  heldMessages: 'int',
  heldBytes: 'bigint',
};

/** A fixed SELECT: its text per engine, its arguments' types, and how one result row becomes a `Row`. */
export interface FixedQuery<Row> {
  readonly sql: Readonly<Record<Provider, string>>;
  readonly argTypes: ArgType[];
  readonly decode: (values: unknown[]) => Row;
}

/** A fixed SELECT written for PostgreSQL only. */
export interface PostgresQuery<Row> extends Omit<FixedQuery<Row>, 'sql'> {
  readonly sql: { readonly postgresql: string };
}

export const TEXT_ARG: ArgType = ARG_TYPES.text;

/** `?, ?, …`: the placeholders of an `IN (…)` list of `n` values. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** A text written with `?` placeholders, for each engine (PostgreSQL's numbered `$1`, `$2`, …). */
export function forEachEngine(text: string): Record<Provider, string> {
  let n = 0;
  return { sqlite: text, postgresql: text.replace(/\?/g, () => `$${++n}`) };
}

/** The argument types of `n` text arguments (ids, addresses). */
export const textArgs = (n: number): ArgType[] => Array.from({ length: n }, () => TEXT_ARG);

/**
 * `SELECT <columns> FROM "<table>" WHERE <where> [ORDER BY …]`, with `?` placeholders (PostgreSQL's
 * text gets `$1`, `$2`, …). Every argument is text: ids.
 */
export function select<Row>(table: string, columns: Columns<Row>, where: string, orderBy?: string): FixedQuery<Row> {
  const names = Object.keys(columns) as (keyof Row & string)[];
  const kinds = names.map((n) => columns[n] as Kind);
  const text = `SELECT ${names.map((n) => `"${n}"`).join(', ')} FROM "${table}" WHERE ${where}${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
  return {
    sql: forEachEngine(text),
    argTypes: textArgs(where.match(/\?/g)?.length ?? 0),
    decode: (values) => {
      const row = {} as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) row[names[i]] = decodeValue(kinds[i], values[i]);
      return row as Row;
    },
  };
}

/** Only the id column: what REST's session body lists of its inboxes and waits. */
function ids(table: string, where: string, orderBy: string): FixedQuery<string> {
  const query = select<{ id: string }>(table, { id: 'text' }, where, orderBy);
  return { ...query, decode: (values) => values[0] as string };
}

/** Children of a session in the order Prisma is asked for them everywhere: oldest first, id breaking ties. */
const CHILD_ORDER = '"createdAt" ASC, "id" ASC';

/** A session's inboxes, deleted ones left out (as everywhere the API lists them), and its waits. */
const INBOXES_OF_SESSION = '"sessionId" = ? AND "deletedAt" IS NULL';
const WAITS_OF_SESSION = '"sessionId" = ?';

export const FIXED = {
  sessionById: select('Session', SESSION, '"id" = ?'),
  waitById: select('Wait', WAIT, '"id" = ?'),
  inboxesOfSession: select('Inbox', INBOX, INBOXES_OF_SESSION, CHILD_ORDER),
  inboxIdsOfSession: ids('Inbox', INBOXES_OF_SESSION, CHILD_ORDER),
  waitsOfSession: select('Wait', WAIT, WAITS_OF_SESSION, CHILD_ORDER),
  waitIdsOfSession: ids('Wait', WAITS_OF_SESSION, CHILD_ORDER),
} as const;

/** A session with its inboxes' and waits' ids: what REST's session body and `session { inboxIds waitIds }` read. */
export interface SessionWithChildIds {
  session: Session;
  inboxIds: string[];
  waitIds: string[];
}

/**
 * PostgreSQL only: `sessionById`, `inboxIdsOfSession` and `waitIdsOfSession` in one statement, the ids
 * as ARRAY subqueries in the same order (each an index scan of its own; an ARRAY of a subquery keeps
 * the subquery's order). On PostgreSQL each statement is a round trip, a pool checkout and a backend
 * execution, and the by-id read shares the machine with its database. SQLite reads the three in-process
 * and synchronously, where one statement (`group_concat` subqueries) was slower than the three.
 */
export const SESSION_WITH_CHILD_IDS: PostgresQuery<SessionWithChildIds> = (() => {
  const columns = Object.keys(SESSION).map((n) => `s."${n}"`);
  // The same filters as inboxIdsOfSession and waitIdsOfSession, the session's id in place of the argument.
  const childIds = (table: string, where: string) => `ARRAY(SELECT "id" FROM "${table}" WHERE ${where.replace('?', 's."id"')} ORDER BY ${CHILD_ORDER})`;
  const idsAt = columns.length;
  return {
    sql: {
      postgresql: `SELECT ${columns.join(', ')}, ${childIds('Inbox', INBOXES_OF_SESSION)} AS "inboxIds", ${childIds('Wait', WAITS_OF_SESSION)} AS "waitIds" FROM "Session" s WHERE s."id" = $1`,
    },
    argTypes: textArgs(1),
    // The session's columns come first, in SESSION's order: its decoder reads those and no further.
    decode: (values) => ({ session: FIXED.sessionById.decode(values), inboxIds: values[idsAt] as string[], waitIds: values[idsAt + 1] as string[] }),
  };
})();

/**
 * PostgreSQL only: waits by id, many in one statement (`= ANY($1)`, one text whatever their number).
 * FixedStatements.waitById sends the reads of one turn of the event loop through it: 10,000 long-polls
 * renewing together were 10,000 round trips queued for a pool of 10, past its 5 s wait on a loaded machine.
 */
export const WAITS_BY_IDS: PostgresQuery<Wait> = (() => {
  const one = select('Wait', WAIT, '"id" = ANY(?)');
  return { sql: { postgresql: one.sql.postgresql }, argTypes: [ARG_TYPES.textList], decode: one.decode };
})();

/** The most waits one WAITS_BY_IDS statement reads. */
const WAITS_PER_READ = 500;

/**
 * PostgreSQL: these texts run as named prepared statements (parsed and planned once per connection,
 * then only bound and executed), through the adapter's `statementNameGenerator`. Every other statement
 * stays unnamed, as Prisma sends it.
 */
const POSTGRES_NAMES = new Map(
  Object.entries({ ...FIXED, sessionWithChildIds: SESSION_WITH_CHILD_IDS, waitsByIds: WAITS_BY_IDS }).map(([name, q]) => [q.sql.postgresql, `sg_fixed_${name}`]),
);

export function postgresStatementName(sql: string): string | undefined {
  return POSTGRES_NAMES.get(sql);
}

/** Runs a SQLite text with its arguments and returns its rows as arrays of column values. */
type SqliteRun = (sql: string, args: unknown[]) => unknown[][];

/**
 * SQLite, outside transactions: the adapter's reader connection itself, with the fixed texts kept
 * prepared here and their rows read raw. The adapter's own path asks each statement for its column
 * types (better-sqlite3's `columns()`, or the statement cache's `PRAGMA schema_version` check) and maps
 * every value by them: the fixed queries know their columns, which a schema change cannot alter (the
 * list is explicit; SQLite re-prepares a statement whose schema changed). `count` keeps the
 * StatementCounter's count.
 */
export function sqliteReaderRun(connection: SqliteConnection, count: () => void): SqliteRun {
  const prepared = new Map<string, Statement>();
  // The statement cache replaced the connection's own `prepare`; the driver's is on its prototype.
  const driverPrepare = (Object.getPrototypeOf(connection) as SqliteConnection).prepare;
  const prepare = (sql: string) => driverPrepare.call(connection, sql).raw(true);
  return (sql, args) => {
    let statement = prepared.get(sql);
    if (!statement) prepared.set(sql, (statement = prepare(sql)));
    count();
    return statement.all(...args) as unknown[][];
  };
}

/**
 * The fixed queries of one database, on its connected adapter. `attach` is called with each adapter
 * the Prisma client connects (already counted by the StatementCounter), and on SQLite with a runner on
 * its reader connection; before the first one, a query makes Prisma connect.
 */
export class FixedStatements {
  private adapter: SqlQueryable | undefined;
  private sqliteRun: SqliteRun | undefined;
  /**
   * PostgreSQL: the by-id reads of waits issued in one turn of the event loop, as one statement
   * (WAITS_BY_IDS). Nothing is cached: each read runs after it was asked for, so it sees every write
   * committed before. SQLite has none: it reads in-process and synchronously, one by one.
   */
  private readonly waitReads: DataLoader<string, Wait | null> | undefined;

  constructor(
    private readonly provider: Provider,
    private readonly connect: () => Promise<void>,
  ) {
    this.waitReads =
      provider === 'postgresql'
        ? new DataLoader<string, Wait | null>((ids) => this.waitsByIds(ids), {
            cache: false,
            maxBatchSize: WAITS_PER_READ,
            batchScheduleFn: (run) => setImmediate(run),
          })
        : undefined;
  }

  attach(adapter: SqlQueryable, sqliteRun?: SqliteRun): void {
    this.adapter = adapter;
    this.sqliteRun = sqliteRun;
  }

  /** Every row of `query` with `args`, decoded; on `on` (an adapter transaction) when given. */
  async all<Row>(query: FixedQuery<Row> | PostgresQuery<Row>, args: unknown[], on?: SqlQueryable): Promise<Row[]> {
    const sql = (query.sql as Partial<Record<Provider, string>>)[this.provider];
    if (sql === undefined) throw new Error(`This fixed query has no text for ${this.provider}`);
    if (!on && !this.adapter) await this.connected();
    const values = !on && this.sqliteRun ? this.sqliteRun(sql, args) : await this.viaAdapter(sql, query.argTypes, args, on ?? this.adapter!);
    const rows = new Array<Row>(values.length);
    for (let i = 0; i < rows.length; i++) rows[i] = query.decode(values[i]!);
    return rows;
  }

  private async viaAdapter(sql: string, argTypes: ArgType[], args: unknown[], queryable: SqlQueryable): Promise<unknown[][]> {
    return (await queryable.queryRaw({ sql, args, argTypes })).rows;
  }

  async first<Row>(query: FixedQuery<Row> | PostgresQuery<Row>, args: unknown[], on?: SqlQueryable): Promise<Row | null> {
    return (await this.all(query, args, on))[0] ?? null;
  }

  sessionById(id: string, on?: SqlQueryable): Promise<Session | null> {
    return this.first(FIXED.sessionById, [id], on);
  }

  /**
   * A session and its children's ids (null when there is no such session): on PostgreSQL one statement
   * (SESSION_WITH_CHILD_IDS), on SQLite the three reads.
   */
  async sessionWithChildIds(id: string): Promise<SessionWithChildIds | null> {
    if (this.provider === 'postgresql') return this.first(SESSION_WITH_CHILD_IDS, [id]);
    const [session, inboxIds, waitIds] = await Promise.all([this.sessionById(id), this.inboxIdsOfSession(id), this.waitIdsOfSession(id)]);
    return session && { session, inboxIds, waitIds };
  }

  waitById(id: string, on?: SqlQueryable): Promise<Wait | null> {
    if (!on && this.waitReads) return this.waitReads.load(id);
    return this.first(FIXED.waitById, [id], on);
  }

  private async waitsByIds(ids: readonly string[]): Promise<(Wait | null)[]> {
    const byId = new Map((await this.all(WAITS_BY_IDS, [ids])).map((wait) => [wait.id, wait]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  inboxesOfSession(sessionId: string, on?: SqlQueryable): Promise<Inbox[]> {
    return this.all(FIXED.inboxesOfSession, [sessionId], on);
  }

  inboxIdsOfSession(sessionId: string, on?: SqlQueryable): Promise<string[]> {
    return this.all(FIXED.inboxIdsOfSession, [sessionId], on);
  }

  waitsOfSession(sessionId: string, on?: SqlQueryable): Promise<Wait[]> {
    return this.all(FIXED.waitsOfSession, [sessionId], on);
  }

  waitIdsOfSession(sessionId: string, on?: SqlQueryable): Promise<string[]> {
    return this.all(FIXED.waitIdsOfSession, [sessionId], on);
  }

  private async connected(): Promise<void> {
    await this.connect();
    if (!this.adapter) throw new Error('The database adapter did not connect');
  }
}

function decodeValue(kind: Kind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'text':
      return value;
    case 'int':
      // SQLite's driver gives integers as bigint (the adapter turns on safe integers).
      return typeof value === 'number' ? Math.trunc(value) : Math.trunc(Number(value));
    case 'bigint':
      // As Prisma gives a BigInt field: a bigint, whether the driver sent a number, a bigint or text.
      return BigInt(value as string | number | bigint);
    case 'datetime':
      // Text as Prisma writes it; a number (bigint from SQLite) is milliseconds since the epoch.
      return typeof value === 'string' ? new Date(isoDateTime(value)) : new Date(Number(value));
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
  }
}

const TIME_OF_DAY = /\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/**
 * A date-time text as the adapters give it, made unambiguous for `new Date` the way Prisma's runtime
 * does (client.js, its DateTime mapping): a missing zone is UTC, a space before the time becomes `T`.
 * The adapters give `2026-12-05T08:00:00.123+00:00` (SQLite as Prisma wrote it; PostgreSQL normalized);
 * SQLite's own `CURRENT_TIMESTAMP` default writes `2026-12-05 08:00:00`.
 */
function isoDateTime(text: string): string {
  const match = TIME_OF_DAY.exec(text);
  if (match === null) return `${text}T00:00:00Z`;
  const [time, zone, zoneMinutes] = match;
  let out = text;
  if (zone !== undefined && zone !== 'Z' && zoneMinutes === undefined) out = `${text}:00`;
  else if (zone === undefined) out = `${text}Z`;
  if (time.length === text.length) return `1970-01-01T${out}`;
  const at = match.index - 1;
  return out[at] === ' ' ? `${out.slice(0, at)}T${out.slice(at + 1)}` : out;
}

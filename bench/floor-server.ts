/**
 * The floor for the by-id comparison — part of the benchmark only, never of the product: what answering
 * `GET /api/v1/sessions/:id` costs with nothing between node:http and better-sqlite3 (no framework, no
 * ORM, no GraphQL). Three prepared statements on the gateway's SQLite file, the same body and the same
 * key check (sha256 of the bearer key in an in-memory Map) as the hand-written reference. SQLite only.
 *
 *   DATABASE_URL=file:/tmp/x/bench.db node --import tsx bench/floor-server.ts
 *
 * It prints `FLOOR: http://127.0.0.1:PORT` once listening.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const SESSION_PATH = /^\/api\/v1\/sessions\/(sess_[0-9A-Za-z]{22})$/;

/** A DATETIME column as the Prisma SQLite adapter stores it (unix ms, or ISO text) → the contract's ISO seconds. */
export function isoSecondsOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'number' || typeof value === 'bigint' ? Number(value) : /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function main(): void {
  const url = process.env.DATABASE_URL;
  if (!url?.startsWith('file:')) throw new Error('DATABASE_URL must be a SQLite file: URL (the floor is SQLite only)');
  const db = new Database(url.slice('file:'.length).split('?')[0]);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const keys = new Map(
    (db.prepare('SELECT "hash", "ownerId" FROM "ApiKey" WHERE "revokedAt" IS NULL').all() as { hash: string; ownerId: string }[]).map((r) => [r.hash, r.ownerId]),
  );
  const session = db.prepare('SELECT "id", "ownerId", "name", "status", "metadata", "createdAt", "updatedAt", "completedAt" FROM "Session" WHERE "id" = ?');
  const inboxIds = db.prepare('SELECT "id" FROM "Inbox" WHERE "sessionId" = ? AND "deletedAt" IS NULL ORDER BY "createdAt", "id"').pluck();
  const waitIds = db.prepare('SELECT "id" FROM "Wait" WHERE "sessionId" = ? ORDER BY "createdAt", "id"').pluck();
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
  };

  const server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200).end('ok');
    const m = req.method === 'GET' ? SESSION_PATH.exec(req.url ?? '') : null;
    if (!m) return send(res, 404, { error: 'Not found', message: 'Route not found' });
    const auth = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const ownerId = auth ? keys.get(sha256(auth[1])) : undefined;
    if (!ownerId) return send(res, 401, { error: 'Unauthorized', message: 'Invalid or missing API key' });
    const s = session.get(m[1]) as Record<string, unknown> | undefined;
    if (!s || s.ownerId !== ownerId) return send(res, 404, { error: 'Not found', message: 'Session not found' });
    send(res, 200, {
      id: s.id,
      name: s.name,
      status: s.status,
      createdAt: isoSecondsOf(s.createdAt),
      updatedAt: isoSecondsOf(s.updatedAt),
      completedAt: isoSecondsOf(s.completedAt),
      metadata: typeof s.metadata === 'string' ? JSON.parse(s.metadata) : s.metadata,
      inboxes: inboxIds.all(s.id),
      waits: waitIds.all(s.id),
    });
  });
  server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`FLOOR: http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    db.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();

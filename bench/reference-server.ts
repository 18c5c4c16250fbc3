/**
 * The "write it by hand" peer for scenario 3 — part of the benchmark only, never of the product.
 *
 * Plain Express 5 + the same Prisma client (createDatabase from dist/), one hand-written route that
 * answers `GET /api/v1/sessions/:id` with the same body as the gateway's REST route. Authentication is
 * reduced to its essence: the sha256 of the bearer token looked up in an in-memory Map (loaded once at
 * start). Run as its own process on the gateway's database:
 *
 *   DATABASE_URL=file:/tmp/x/bench.db BENCH_API_KEY=… node --import tsx bench/reference-server.ts
 *
 * It prints `REFERENCE: http://127.0.0.1:PORT` once listening.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import express, { type Express } from 'express';
import { type Database, dist } from './dist';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const SESSION_ID = /^sess_[0-9A-Za-z]{22}$/;

/** key hash → ownerId, for the non-revoked keys in the database. */
export async function loadKeys(db: Database): Promise<Map<string, string>> {
  const rows = await db.prisma.apiKey.findMany({ where: { revokedAt: null }, select: { hash: true, ownerId: true } });
  return new Map(rows.map((r) => [r.hash, r.ownerId]));
}

export function createReferenceApp(db: Database, keys: Map<string, string>): Express {
  const { isoSeconds } = dist.clock();
  const app = express();
  app.disable('x-powered-by');

  app.get('/api/v1/sessions/:id', async (req, res) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const ownerId = m ? keys.get(sha256(m[1])) : undefined;
    if (!ownerId) {
      res.status(401).json({ error: 'Unauthorized', message: 'Invalid or missing API key' });
      return;
    }
    try {
      const id = req.params.id;
      const s = SESSION_ID.test(id)
        ? await db.prisma.session.findUnique({
            where: { id },
            include: {
              inboxes: { where: { deletedAt: null }, select: { id: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
              waits: { select: { id: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
            },
          })
        : null;
      if (!s || s.ownerId !== ownerId) {
        res.status(404).json({ error: 'Not found', message: 'Session not found' });
        return;
      }
      res.json({
        id: s.id,
        name: s.name,
        status: s.status,
        createdAt: isoSeconds(s.createdAt),
        updatedAt: isoSeconds(s.updatedAt),
        completedAt: s.completedAt ? isoSeconds(s.completedAt) : null,
        metadata: s.metadata,
        inboxes: s.inboxes.map((i) => i.id),
        waits: s.waits.map((w) => w.id),
      });
    } catch {
      res.status(500).json({ error: 'Internal server error', message: 'Failed to retrieve session' });
    }
  });
  return app;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const db = await dist.client().createDatabase({ url, poolSize: Number(process.env.DATABASE_POOL_SIZE || 10) });
  const keys = await loadKeys(db);
  if (process.env.BENCH_API_KEY && !keys.has(sha256(process.env.BENCH_API_KEY))) throw new Error('BENCH_API_KEY is not in the database');
  const server = createServer(createReferenceApp(db, keys));
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve));
  const address = server.address();
  process.stdout.write(`REFERENCE: http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    void db.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`reference server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}

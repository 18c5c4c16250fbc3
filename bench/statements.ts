/**
 * SQL statements per request, measured in-process: the product has no metrics endpoint yet, so the
 * bench builds the same app from dist/ (createApp) in its own process, on the same database, serves it
 * on an ephemeral loopback port and reads `db.statements.count` around single requests. The reference
 * app is built the same way around its own createDatabase().
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { type App, type Database, dist } from './dist';
import { buildPeerApp, createPeerListener } from './graphql-http-peer';
import { createReferenceApp, loadKeys } from './reference-server';

export interface InProcess {
  base: string;
  db: Database;
  close(): Promise<void>;
}

async function listen(app: Express | RequestListener): Promise<{ server: Server; base: string }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** close() may be called twice (after counting, and again by the environment's teardown). */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => (done ??= fn());
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function inProcessGateway(databaseUrl: string, apiKey: string): Promise<InProcess> {
  const config = dist.config().loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    SMTP_PORT: '0',
    LOG_LEVEL: 'warn',
    BOOTSTRAP_API_KEY: apiKey,
    // Background work would land in the deltas: the deadline settler ticks as rarely as allowed, and
    // the rate limiter (whose counts are flushed in the background, ≤ 10 statements/s per key, not per
    // request) is off. The server under load runs both; see the "SQL/req under load" column.
    SETTLE_INTERVAL_MS: '60000',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const built = await dist.app().createApp(config);
  return serveBuilt(built, built.app);
}

/** Serves an app built by createApp on a loopback port; close() stops the server, then the app. */
async function serveBuilt(built: App, listener: Express | RequestListener): Promise<InProcess> {
  const { server, base } = await listen(listener);
  return {
    base,
    db: built.db,
    close: once(async () => {
      await closeServer(server);
      await built.close();
    }),
  };
}

export async function inProcessReference(databaseUrl: string): Promise<InProcess> {
  const db = await dist.client().createDatabase({ url: databaseUrl, poolSize: 10 });
  const { server, base } = await listen(createReferenceApp(db, await loadKeys(db)));
  return {
    base,
    db,
    close: once(async () => {
      await closeServer(server);
      await db.close();
    }),
  };
}

/** The graphql-http peer built in-process, for its statement count (its own createApp, same database). */
export async function inProcessPeer(databaseUrl: string): Promise<InProcess> {
  const built = await buildPeerApp(databaseUrl);
  return serveBuilt(built, createPeerListener(built));
}

export interface StatementCount {
  /** The fewest statements seen over the samples (background work can only add). */
  perRequest: number;
  samples: number[];
}

/**
 * The gateway's own count, from `GET /metrics` (`sessions_gateway_sql_statements_total`), when the
 * build has that endpoint; null otherwise.
 */
export function serverStatementCount(base: string): Promise<number | null> {
  return serverMetric(base, STATEMENTS_SAMPLE);
}

export const STATEMENTS_SAMPLE = 'sessions_gateway_sql_statements_total';

/**
 * One sample of the gateway's /metrics: `name` alone matches it with any labels (the first such line),
 * `name{label="value"}` that line exactly. null when /metrics does not answer or has no such sample.
 */
export async function serverMetric(base: string, sample: string): Promise<number | null> {
  return (await serverMetrics(base, [sample]))[0]!;
}

/** Several samples (as serverMetric) from one read of /metrics: at 10,000 connections a read costs the gateway ~17 ms. */
export async function serverMetrics(base: string, samples: string[]): Promise<(number | null)[]> {
  let text: string;
  try {
    const res = await fetch(`${base}/metrics`);
    if (res.status !== 200) return samples.map(() => null);
    text = await res.text();
  } catch {
    return samples.map(() => null);
  }
  return samples.map((sample) => {
    const escaped = sample.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const labels = sample.includes('{') ? '' : '(?:\\{[^}]*\\})?';
    const m = new RegExp(`^${escaped}${labels}\\s+([0-9.e+]+)\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  });
}

/** One warm-up call (auth cache, lazy initialisation), then `samples` measured calls. */
export async function countStatements(db: Database, fn: () => Promise<unknown>, samples = 3): Promise<StatementCount> {
  await fn();
  const seen: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = db.statements.count;
    await fn();
    seen.push(db.statements.count - before);
  }
  return { perRequest: Math.min(...seen), samples: seen };
}

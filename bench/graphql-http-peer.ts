/**
 * The GraphQL peer for the by-id comparison — part of the benchmark only, never of the product.
 *
 * The same schema, services and per-request context as the gateway's /graphql (all from dist/, built by
 * createApp), served by graphql-http on bare node:http instead of Apollo Server on Express: what "a plain
 * GraphQL server over this schema" costs. Authentication is the gateway's own (bearer key → principal,
 * through the same cached ApiKeyService). Run as its own process on the gateway's database:
 *
 *   DATABASE_URL=file:/tmp/x/bench.db node --import tsx bench/graphql-http-peer.ts
 *
 * It prints `GRAPHQL-HTTP: http://127.0.0.1:PORT` once listening; the endpoint is POST /graphql.
 */
import 'reflect-metadata';
import { createServer, type RequestListener } from 'node:http';
import { createHandler } from 'graphql-http/lib/use/http';
import { type App, dist } from './dist';

export function createPeerListener(built: App): RequestListener {
  const { authenticate } = dist.authenticate();
  const { createContext } = dist.context();
  let n = 0;
  const graphql = createHandler({
    schema: dist.schema().getSchema(),
    context: async (req) => {
      try {
        // graphql-http types its context as a plain record; ours is the gateway's Context, used as it is.
        return createContext(`peer-${++n}`, await authenticate(req.raw.headers, built.services.apiKeys), built.services) as unknown as Record<PropertyKey, unknown>;
      } catch {
        return [JSON.stringify({ errors: [{ message: 'Invalid or missing API key' }] }), { status: 401, statusText: 'Unauthorized' }];
      }
    },
  });
  return (req, res) => {
    if (req.url === '/graphql') return void graphql(req, res);
    if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    res.writeHead(404).end();
  };
}

/** createApp without listening, as the gateway builds it; its background sweep ticks rarely (not the peer's job). */
export function buildPeerApp(databaseUrl: string): Promise<App> {
  const config = dist.config().loadConfig({ DATABASE_URL: databaseUrl, PORT: '0', SMTP_PORT: '0', LOG_LEVEL: 'warn', SETTLE_INTERVAL_MS: '60000', RATE_LIMIT_PER_MINUTE: '0' });
  return dist.app().createApp(config);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const built = await buildPeerApp(url);
  const server = createServer(createPeerListener(built));
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve));
  const address = server.address();
  process.stdout.write(`GRAPHQL-HTTP: http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    void built.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`graphql-http peer failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}

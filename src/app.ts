import 'reflect-metadata';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { createAdmit } from './auth/admit';
import type { Principal } from './auth/api-keys.service';
import { type Clock, systemClock } from './common/clock';
import type { Config } from './config';
import { createDatabase, type Database } from './db/client';
import { applyMigrations } from './db/migrate';
import { bridgeNotifierOverPostgres } from './db/pg-notify';
import { createApollo } from './graphql/apollo';
import { type Context, createContext } from './graphql/context';
import { graphqlEndpoint } from './graphql/endpoint';
import { type ErrorLogger, markRequest } from './graphql/errors';
import { getSchema } from './graphql/schema';
import { attachGraphqlWebSockets, type GraphqlWebSockets } from './graphql/websocket';
import { httpErrorHandler, sendError } from './http/errors';
import { consoleRouter } from './http/console';
import { admitFirst, sendGraphQLError } from './http/admit-first';
import { ideRouter } from './http/ide';
import { apiDocsRouter } from './http/api-docs';
import { frontDoorRouter } from './http/front-door';
import { jsonBody } from './http/json-body';
import { Metrics } from './http/metrics';
import { requestSignal } from './http/request-signal';
import { restRouter } from './http/rest-adapter';
import { restRoutes } from './http/routes';
import { requestFrame } from './http/request-frame';
import { securityHeaders } from './http/security';
import { createLogger, type Logger } from './logger';
import { mcpEndpoint } from './mcp/mcp.http';
import { RouteOperations } from './mcp/operations';
import { IdempotencyStore } from './protection/idempotency';
import { AuthFailureLimiter } from './protection/auth-failure-limiter';
import { RateLimiter } from './protection/rate-limiter';
import { createServices, type Services } from './services';
import { type RunningSmtpServer, startSmtpServer } from './smtp/smtp.server';
import { startDeadlineSettler } from './waits/deadline-settler';

export interface AppDeps {
  clock?: Clock;
  logger?: Logger;
}

export interface App {
  app: Express;
  db: Database;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  rateLimiter: RateLimiter;
  /**
   * Starts the inbound SMTP server; resolves to the bound port. Without an override it uses
   * config.smtpPort / config.smtpHost and resolves to null when config.smtpPort is 0 (SMTP off).
   * An explicit `{ port: 0 }` means an ephemeral port (tests). close() stops it.
   */
  startSmtp(override?: { port: number; host?: string }): Promise<number | null>;
  /** Aborted by beginShutdown(); held requests watch it (tests check that a released one stops watching). */
  shutdownSignal: AbortSignal;
  /** Serves GraphQL subscriptions (graphql-ws) on the listening server's /graphql. close() closes them. */
  attachWebSockets(server: Server): void;
  /** Shutdown, first step: in-flight long-polls answer now (with the wait as it stands). Idempotent. */
  beginShutdown(): void;
  /** Closes SMTP (letting deliveries finish), background work, GraphQL and the database. */
  close(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

/** Builds the whole service (migrated database, services, GraphQL, REST) without listening. */
export async function createApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const clock = deps.clock ?? systemClock;

  const { applied } = await applyMigrations({ url: config.databaseUrl, log: (m) => logger.debug(m) });
  if (applied.length) logger.info({ applied }, 'database migrations applied');
  const db = await createDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs });
  const metrics = new Metrics(db);
  const services = createServices(db, config, clock, metrics);
  // Across instances on one PostgreSQL database, "look again" signals travel by LISTEN/NOTIFY.
  const notifyBridge = db.provider === 'postgresql' ? bridgeNotifierOverPostgres(config.databaseUrl, services.notifier, logger) : null;
  await ensureApiKeys(services, config, logger);

  const shutdown = new AbortController();
  const logError: ErrorLogger = (err, reqId) => logger.error({ err, requestId: reqId }, 'internal error');
  const rateLimiter = new RateLimiter(db, config.rateLimitPerMinute, () => clock().getTime(), (err) => logger.warn({ err }, 'rate limit counter unavailable'));
  const admit = createAdmit(services.apiKeys, rateLimiter, new AuthFailureLimiter(config.authFailuresPerMinute, () => clock().getTime()), (limit) => metrics.limitHit(limit));
  const idempotency = new IdempotencyStore(db, clock, config.idempotencyLeaseMs);
  const schema = getSchema();
  let webSockets: GraphqlWebSockets | null = null;
  // Apollo's drain step for subscriptions (its documented pattern): sockets close when Apollo stops.
  const drainWebSockets = { async serverWillStart() { return { drainServer: async () => void (await webSockets?.close()) }; } };
  const apollo = createApollo(schema, {
    introspection: config.introspection,
    logError,
    bounds: {
      maxMessageBytes: config.maxMessageBytes,
      maxQueryBytes: config.graphqlMaxQueryBytes,
      maxResponseBytes: config.graphqlMaxResponseBytes,
      onLimit: (limit) => metrics.limitHit(limit),
    },
    plugins: [drainWebSockets],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // API answers change with every write; an ETag (a sha1 of every body) would buy clients nothing.
  app.set('etag', false);
  app.set('query parser', 'simple');
  // The client address (req.ip) the failed-authentication limit counts by: behind a proxy, its X-Forwarded-For.
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  // Few layers, busiest first: Express tries each layer in turn for every request.
  app.use(requestFrame({ logger, metrics, securityHeaders: securityHeaders(), corsOrigins: config.corsOrigins }));
  app.use(
    '/api/v1',
    restRouter({
      schema,
      services,
      routes: restRoutes,
      logError,
      shutdown: shutdown.signal,
      bodyLimit: BODY_LIMIT,
      rawBodyLimit: config.maxMessageBytes,
      admit,
      bodyTimeoutMs: config.httpBodyTimeoutMs,
      idempotency,
      streamHeartbeatMs: config.streamHeartbeatMs,
    }),
  );
  // MCP tools run the REST routes' operations: a third adapter over the same resolvers.
  const mcp = mcpEndpoint({
    operations: new RouteOperations({ schema, services, logError, routes: restRoutes }),
    admit,
    logError,
    shutdown: shutdown.signal,
    bodyLimit: BODY_LIMIT,
    sessionIdleMs: config.mcpSessionIdleSeconds * 1000,
  });
  app.all('/mcp', mcp.handler);
  const graphql = graphqlEndpoint(apollo, async ({ req, res }): Promise<Context> => {
    const requestId = String(res.locals.requestId);
    try {
      const principal = (res.locals.principal as Principal | undefined) ?? (await admit(req, res));
      return createContext(requestId, principal, services, () => requestSignal(res, shutdown.signal));
    } catch (err) {
      // Apollo formats this without a context: the mark carries the request id to the error's log line.
      markRequest(err, requestId);
      throw err;
    }
  });
  // POST, the busy method, is matched before the IDE's routes (GET also serves the IDE page to
  // browsers), by one handler rather than a chain of three.
  const graphqlJson = jsonBody(BODY_LIMIT);
  const graphqlGate = admitFirst(admit, config.httpBodyTimeoutMs);
  app.post('/graphql', (req, res, next) => {
    res.locals.route = '/graphql';
    // The key first, from the headers (as REST): a refused request's body is never read.
    graphqlGate(req, res, {
      admitted: (principal) => {
        res.locals.principal = principal;
        graphqlJson(req, res, (err?: unknown) => (err ? next(err) : graphql(req, res, next)));
      },
      refused: (err) => sendGraphQLError(res, err, logError, String(res.locals.requestId)),
      timedOut: (ms) => res.status(408).json({ errors: [{ message: `The request body was not received within ${ms} ms`, extensions: { code: 'BAD_REQUEST' } }] }),
    });
  });
  app.use(ideRouter({ endpoint: '/graphql' }));
  app.use(apiDocsRouter());
  app.use(frontDoorRouter());
  app.use(consoleRouter({ securityHeaders: securityHeaders() }));
  app.use(
    '/graphql',
    (req, res, next) => {
      // Exactly /graphql: other paths below it are not the endpoint (the IDE serves its own files).
      if (req.path !== '/') return sendError(res, 404, 'Not found', 'Route not found');
      res.locals.route = '/graphql';
      next();
    },
    graphqlJson,
    graphql,
  );
  app.get('/healthz', (_req, res) => {
    res.locals.route = '/healthz';
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    res.locals.route = '/readyz';
    try {
      await db.ping();
      res.json({ status: 'ok' });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.locals.route = '/metrics';
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use((_req, res) => sendError(res, 404, 'Not found', 'Route not found'));
  app.use(httpErrorHandler(logger));

  const housekeeping = async () => {
    await rateLimiter.prune();
    await idempotency.prune();
  };
  services.live.onError = (err) => logger.warn({ err }, 'event feed read failed; retrying on the next wake-up');
  services.live.start();
  const stopSettler = startDeadlineSettler({ waits: services.waits, inboxes: services.inboxes, clock, logger, housekeeping }, config.settleIntervalMs);

  let smtp: RunningSmtpServer | null = null;
  const startSmtp: App['startSmtp'] = async (override) => {
    if (smtp) throw new Error('the SMTP server is already running');
    const port = override ? override.port : config.smtpPort;
    if (!override && port === 0) return null;
    smtp = await startSmtpServer({
      port,
      host: override?.host ?? config.smtpHost,
      maxMessageBytes: config.maxMessageBytes,
      maxConnections: config.smtpMaxConnections,
      maxConnectionsPerIp: config.smtpMaxConnectionsPerIp,
      mailFromTimeoutMs: config.smtpMailFromTimeoutMs,
      maxInflightBytes: config.smtpMaxInflightBytes,
      messages: services.messages,
      inboxes: services.inboxes,
      logger,
      metrics,
    });
    logger.info({ port: smtp.port }, 'SMTP server listening');
    return smtp.port;
  };

  return {
    app,
    db,
    services,
    logger,
    metrics,
    rateLimiter,
    startSmtp,
    shutdownSignal: shutdown.signal,
    attachWebSockets: (server) => {
      if (webSockets) throw new Error('WebSockets are already attached');
      webSockets = attachGraphqlWebSockets(server, { path: '/graphql', schema, services, logError, shutdown: shutdown.signal });
    },
    beginShutdown: () => shutdown.abort(),
    close: async () => {
      shutdown.abort();
      // No new mail; deliveries in progress finish while the database is still open.
      await smtp?.close();
      await mcp.close();
      await stopSettler();
      await rateLimiter.close().catch(() => {});
      await notifyBridge?.close();
      services.live.stop();
      await apollo.stop();
      await db.close();
    },
  };
}

/**
 * BOOTSTRAP_API_KEY makes sure a known key exists. The key a first start creates when there is none is
 * not made here: main.ts makes it once the ports are bound (auth/first-key.ts), so a process that
 * cannot listen never shows a key and dies with it.
 */
async function ensureApiKeys(services: Services, config: Config, logger: Logger): Promise<void> {
  if (!config.bootstrapApiKey) return;
  const outcome = await services.apiKeys.ensure(config.bootstrapApiKey, 'default');
  if (outcome === 'created') logger.info('created the API key from BOOTSTRAP_API_KEY (owner "default")');
}

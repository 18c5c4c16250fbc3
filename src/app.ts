import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import { authenticate } from './auth/authenticate';
import { type Clock, systemClock } from './common/clock';
import type { Config } from './config';
import { createDatabase, type Database } from './db/client';
import { applyMigrations } from './db/migrate';
import { bridgeNotifierOverPostgres } from './db/pg-notify';
import { type Context, createContext } from './graphql/context';
import { type ErrorLogger, maskError } from './graphql/errors';
import { getSchema } from './graphql/schema';
import { cors } from './http/cors';
import { httpErrorHandler, sendError } from './http/errors';
import { ideRouter } from './http/ide';
import { currentRequestId, requestId } from './http/request-context';
import { restRouter } from './http/rest-adapter';
import { requestSignal } from './http/request-signal';
import { restRoutes } from './http/routes';
import { createLogger, type Logger } from './logger';
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
  /**
   * Starts the inbound SMTP server; resolves to the bound port. Without an override it uses
   * config.smtpPort / config.smtpHost and resolves to null when config.smtpPort is 0 (SMTP off).
   * An explicit `{ port: 0 }` means an ephemeral port (tests). close() stops it.
   */
  startSmtp(override?: { port: number; host?: string }): Promise<number | null>;
  close(): Promise<void>;
}

const BODY_LIMIT = '1mb';

/** Builds the whole service (migrated database, services, GraphQL, REST) without listening. */
export async function createApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const clock = deps.clock ?? systemClock;

  const { applied } = await applyMigrations({ url: config.databaseUrl, log: (m) => logger.debug(m) });
  if (applied.length) logger.info({ applied }, 'database migrations applied');
  const db = createDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs });
  const services = createServices(db, config, clock);
  // Across instances on one PostgreSQL database, "look again" signals travel by LISTEN/NOTIFY.
  const notifyBridge = db.provider === 'postgresql' ? bridgeNotifierOverPostgres(config.databaseUrl, services.notifier, logger) : null;
  await ensureApiKeys(services, config, logger);

  const shutdown = new AbortController();
  const logError: ErrorLogger = (err, reqId) => logger.error({ err, requestId: reqId }, 'internal error');
  const schema = getSchema();
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => maskError(formatted, error, logError, currentRequestId()),
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId);
  app.use(cors(config.corsOrigins));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.ping();
      res.json({ status: 'ok' });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.use(ideRouter({ endpoint: '/graphql' }));
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(
    '/graphql',
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(String(res.locals.requestId), await authenticate(req.headers, services.apiKeys), services, requestSignal(res, shutdown.signal)),
    }),
  );
  app.use('/api/v1', restRouter({ schema, services, routes: restRoutes, logError, shutdown: shutdown.signal, rawBodyLimit: config.maxMessageBytes }));
  app.use('/api/v1', (_req, res) => sendError(res, 404, 'Not found', 'Route not found'));
  app.use((_req, res) => sendError(res, 404, 'Not found', 'Route not found'));
  app.use(httpErrorHandler(logger));

  const stopSettler = startDeadlineSettler({ waits: services.waits, inboxes: services.inboxes, clock, logger }, config.settleIntervalMs);

  let smtp: RunningSmtpServer | null = null;
  const startSmtp: App['startSmtp'] = async (override) => {
    if (smtp) throw new Error('the SMTP server is already running');
    const port = override ? override.port : config.smtpPort;
    if (!override && port === 0) return null;
    smtp = await startSmtpServer({
      port,
      host: override?.host ?? config.smtpHost,
      maxMessageBytes: config.maxMessageBytes,
      messages: services.messages,
      inboxes: services.inboxes,
      logger,
    });
    logger.info({ port: smtp.port }, 'SMTP server listening');
    return smtp.port;
  };

  return {
    app,
    db,
    services,
    logger,
    startSmtp,
    close: async () => {
      // First: no new mail, and deliveries in progress finish while the database is still open.
      await smtp?.close();
      shutdown.abort();
      await stopSettler();
      await notifyBridge?.close();
      await apollo.stop();
      await db.close();
    },
  };
}

/** BOOTSTRAP_API_KEY makes sure a known key exists; a first start with no keys creates one and shows it once. */
async function ensureApiKeys(services: Services, config: Config, logger: Logger): Promise<void> {
  if (config.bootstrapApiKey) {
    const outcome = await services.apiKeys.ensure(config.bootstrapApiKey, 'default');
    if (outcome === 'created') logger.info('created the API key from BOOTSTRAP_API_KEY (owner "default")');
    return;
  }
  if ((await services.apiKeys.countActive()) > 0) return;
  const key = await services.apiKeys.create('default');
  // Printed once, to stdout and not through the logger: it is a secret the operator must copy now.
  process.stdout.write(`\nNo API keys existed, so one was created for owner "default" (it is not shown again):\n\n  ${key}\n\n`);
}

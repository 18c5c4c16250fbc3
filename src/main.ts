import './process-settings';
import 'reflect-metadata';
import type { Server, ServerResponse } from 'node:http';
import { type App, createApp } from './app';
import { createFirstKey, firstKeyNotice } from './auth/first-key';
import { type Config, loadConfig } from './config';
import { explainDatabaseError } from './db/database-errors';
import { lockSqliteDatabase } from './db/sqlite-process-lock';
import { providerOf } from './db/url';
import { waitForPostgres } from './db/wait-for-postgres';
import { createHttpServer } from './http/http-server';
import { applyServerTimeouts } from './http/server-timeouts';
import { createLogger, type Logger } from './logger';
import { describeFailure } from './startup/failure';
import { listenOn } from './common/listen';
import { explainListenError } from './startup/listen-errors';

/** How long a shutdown may take before the process exits anyway (with code 1). */
const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Start-up, in an order that loses nothing: settings (exit 2), the database (exit 4/5), both ports
 * (exit 3), and only then the first API key, printed by a process that is up to stay. Failures are
 * explained in src/startup/failure.ts's terms; the exit codes are documented in the README.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Signals are heard from the start: Ctrl-C while waiting for PostgreSQL ends the process at once.
  let stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'stopped before start-up finished');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const sqliteLock = await prepareDatabase(config, logger);
  const gateway = await createApp(config, { logger }).catch((err: unknown) => {
    throw explainDatabaseError(err, config.databaseUrl);
  });
  stop = async (signal) => {
    logger.info({ signal }, 'stopped before start-up finished');
    await closeBriefly(gateway);
    process.exit(0);
  };
  const server = createHttpServer(gateway.app);
  applyServerTimeouts(server, config);
  gateway.attachWebSockets(server);
  server.keepAliveTimeout = 5_000;
  let stopping = false;
  // Once stopping, every response says "Connection: close". A keep-alive client that sends its next
  // request as soon as it has an answer would otherwise keep its connection busy (never idle, so never
  // closed by the drain) and hold the shutdown open until its timeout.
  const inFlight = new Set<ServerResponse>();
  server.prependListener('request', (_req, res) => {
    if (stopping) return void res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  let port: number;
  let smtpPort: number | null;
  try {
    port = await listen(server, config);
    logger.info({ port }, 'sessions-gateway listening');
    // SMTP_PORT=0 turns inbound mail off; startSmtp() then starts nothing and returns null.
    smtpPort = await gateway.startSmtp().catch((err: unknown) => {
      throw explainListenError(err, { portSetting: 'SMTP_PORT', port: config.smtpPort, hostSetting: 'SMTP_HOST', host: config.smtpHost });
    });
  } catch (err) {
    server.close();
    await closeBriefly(gateway);
    throw err;
  }

  stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    logger.info({ signal }, 'shutting down: no new connections; finishing requests in flight');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    const drained = drain(server);
    gateway.beginShutdown(); // long-polls answer now instead of holding the shutdown up
    await drained;
    await gateway.close();
    sqliteLock?.release();
    logger.info('stopped');
    process.exit(0);
  };

  // Both ports are ours: a key shown now is shown by a process that stays up.
  const key = config.bootstrapApiKey ? null : await createFirstKey(gateway.services.apiKeys);
  const host = (h: string) => (h === '0.0.0.0' ? 'localhost' : h);
  const smtpLine = smtpPort === null ? '' : `  SMTP:              smtp://${host(config.smtpHost)}:${smtpPort}\n`;
  const base = `http://${host(config.host)}:${port}`;
  // One write: whoever watches for the banner sees the key with it.
  process.stdout.write(
    `${key ? firstKeyNotice(key) : ''}sessions-gateway is up\n  Home:              ${base}/\n  GraphQL (and IDE): ${base}/graphql\n  REST:              ${base}/api/v1/sessions\n  Console:           ${base}/console\n${smtpLine}`,
  );
}

/**
 * SQLite: this process's claim on the file (exit 5 when another gateway has it). PostgreSQL: waits for
 * the server to accept connections, up to DATABASE_CONNECT_TIMEOUT_S. Failures to open or reach the
 * database are explained (exit 4).
 */
async function prepareDatabase(config: Config, logger: Logger): Promise<{ release(): void } | null> {
  try {
    if (providerOf(config.databaseUrl) === 'sqlite') return lockSqliteDatabase(config.databaseUrl);
    await waitForPostgres({ url: config.databaseUrl, timeoutS: config.databaseConnectTimeoutS, log: (line) => logger.warn(line) });
    return null;
  } catch (err) {
    throw explainDatabaseError(err, config.databaseUrl);
  }
}

/** server.listen as a promise: EADDRINUSE and friends become an explained failure (exit 3), not an unhandled 'error' event. */
async function listen(server: Server, config: Config): Promise<number> {
  await listenOn(server, config.port, config.host).catch((err: Error) => {
    throw explainListenError(err, { portSetting: 'PORT', port: config.port, hostSetting: 'HOST', host: config.host });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : config.port;
}

/** Closes what start-up opened before failing; a close that hangs does not hold the exit up. */
async function closeBriefly(gateway: App): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([gateway.close().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
  clearTimeout(timer);
}

/**
 * Stops accepting connections and resolves once every request in flight has been answered. Idle
 * keep-alive connections are closed as they become idle, so clients are not cut mid-response.
 */
function drain(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  });
}

main().catch((err: unknown) => {
  const { text, exitCode } = describeFailure(err);
  process.stderr.write(`${text}\n`);
  process.exit(exitCode);
});

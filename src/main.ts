import './process-settings';
import 'reflect-metadata';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { applyServerTimeouts } from './http/server-timeouts';

/** How long a shutdown may take before the process exits anyway (with code 1). */
const SHUTDOWN_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const gateway = await createApp(config);
  const { logger } = gateway;
  const server = createServer(gateway.app);
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
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = (h: string) => (h === '0.0.0.0' ? 'localhost' : h);
  logger.info({ port }, 'sessions-gateway listening');
  // SMTP_PORT=0 turns inbound mail off; startSmtp() then starts nothing and returns null.
  const smtpPort = await gateway.startSmtp();
  const smtpLine = smtpPort === null ? '' : `  SMTP:              smtp://${host(config.smtpHost)}:${smtpPort}\n`;
  const base = `http://${host(config.host)}:${port}`;
  process.stdout.write(`sessions-gateway is up\n  GraphQL (and IDE): ${base}/graphql\n  REST:              ${base}/api/v1/sessions\n  Console:           ${base}/console\n${smtpLine}`);

  const stop = async (signal: string) => {
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
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
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

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`sessions-gateway failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(1);
});

import 'reflect-metadata';
import { createServer } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const { app, logger, close, startSmtp } = await createApp(config);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  logger.info({ port }, 'sessions-gateway listening');
  // SMTP_PORT=0 turns inbound mail off; startSmtp() then starts nothing and returns null.
  const smtpPort = await startSmtp();
  const smtpLine = smtpPort === null ? '' : `  SMTP:              smtp://${config.smtpHost === '0.0.0.0' ? 'localhost' : config.smtpHost}:${smtpPort}\n`;
  process.stdout.write(`sessions-gateway is up\n  GraphQL (and IDE): ${base}/graphql\n  REST:              ${base}/api/v1/sessions\n${smtpLine}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const forced = setTimeout(() => process.exit(1), 10_000);
    forced.unref();
    server.close();
    server.closeIdleConnections();
    await close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`sessions-gateway failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(1);
});

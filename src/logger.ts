import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Lines about a request name its request id themselves (the access log, internal errors);
 * keys and bodies are never logged.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.authorization'], censor: '[redacted]' },
  });
}

import pino, { type Logger } from 'pino';
import { currentRequestId } from './http/request-context';

export type { Logger };

/** JSON logs; every line written during a request carries its request id. Keys and bodies are never logged. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.authorization'], censor: '[redacted]' },
  });
}

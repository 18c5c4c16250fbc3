import pino, { type Logger } from 'pino';
import { currentRequestId } from './http/request-context';

export type { Logger };

/** JSON logs; every line written during a request carries its request id. Keys and bodies are never logged. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    // Lines that name their request id themselves (the access log) keep theirs.
    mixin: (obj) => {
      const requestId = currentRequestId();
      return requestId && !('requestId' in obj) ? { requestId } : {};
    },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.authorization'], censor: '[redacted]' },
  });
}

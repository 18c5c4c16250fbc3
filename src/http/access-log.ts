import type { Logger } from '../logger';

export interface AccessLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

/** One JSON line per request, with its request id. No headers, no bodies. Server errors at warn. */
export function logAccess(logger: Logger, line: AccessLine): void {
  if (line.status >= 500) logger.warn(line, 'request');
  // Built only when it is written: production often runs at warn.
  else if (logger.isLevelEnabled('info')) logger.info(line, 'request');
}

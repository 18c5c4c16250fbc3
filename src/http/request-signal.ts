import type { Response } from 'express';

/**
 * Aborts when the client goes away before its answer is sent, or when the server shuts down, so a
 * long-poll stops waiting for nobody (and a shutdown answers long-polls early instead of cutting them).
 * A normal end aborts nothing: creating the abort reason is costly, and most requests never look.
 */
export function requestSignal(res: Response, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  // Made lazily, so the client may already be gone.
  if (shutdown.aborted || (res.closed && !res.writableFinished)) abort();
  else shutdown.addEventListener('abort', abort, { once: true });
  res.once('close', () => {
    shutdown.removeEventListener('abort', abort);
    if (!res.writableFinished) abort();
  });
  return controller.signal;
}

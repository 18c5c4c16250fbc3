import type { Response } from 'express';

/**
 * Aborts when the client goes away before its answer is sent, or when the server shuts down, so a
 * long-poll stops waiting for nobody (and a shutdown answers long-polls early instead of cutting them).
 */
export function requestSignal(res: Response, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return AbortSignal.any([controller.signal, shutdown]);
}

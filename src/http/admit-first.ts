import type { Request, Response } from 'express';
import type { Admit } from '../auth/admit';
import type { Principal } from '../auth/api-keys.service';
import { GraphQLError } from 'graphql';
import { type ErrorLogger, maskError } from '../graphql/errors';

export interface AdmitFirstHandlers {
  /** The key is good: read the body and run the request. */
  admitted: (principal: Principal) => void;
  /** Refused (401, 429): answer now. The connection is closed after the answer when a body was announced. */
  refused: (err: unknown) => void;
  /** The admitted request's body did not arrive within the body timeout: answer 408. */
  timedOut: (timeoutMs: number) => void;
}

/**
 * Authentication from the headers alone, before any body is read: a wrong key is answered at once, and a
 * client dribbling a body cannot hold a socket without a key. An admitted request then has `bodyTimeoutMs`
 * to send its body (0: no limit of ours; Node's requestTimeout still applies).
 */
export function admitFirst(admit: Admit, bodyTimeoutMs: number) {
  return (req: Request, res: Response, on: AdmitFirstHandlers): void => {
    admit(req, res).then(
      (principal) => {
        armBodyTimeout(req, res, bodyTimeoutMs, on.timedOut);
        on.admitted(principal);
      },
      (err: unknown) => {
        // Node discards an unread body before it reuses a connection: closing is cheaper, and ends a dribble.
        if (announcesBody(req)) res.setHeader('Connection', 'close');
        on.refused(err);
      },
    );
  };
}

function announcesBody(req: Request): boolean {
  return (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function armBodyTimeout(req: Request, res: Response, timeoutMs: number, timedOut: (timeoutMs: number) => void): void {
  if (!timeoutMs || !announcesBody(req) || req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete || res.headersSent) return;
    res.setHeader('Connection', 'close');
    timedOut(timeoutMs);
  }, timeoutMs);
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
}

/** A refusal (401, 429) in GraphQL's shape, as Apollo answers an error raised while building the context. */
export function sendGraphQLError(res: Response, err: unknown, logError: ErrorLogger, requestId: string): void {
  const formatted = maskError(err instanceof GraphQLError ? err.toJSON() : { message: String((err as Error)?.message) }, err, logError, requestId);
  const status = (err as { extensions?: { http?: { status?: number } } })?.extensions?.http?.status ?? 500;
  res.status(status).json({ errors: [formatted] });
}

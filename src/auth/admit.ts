import type { Request, Response } from 'express';
import { AppError, RateLimitedError, UnauthenticatedError } from '../graphql/errors';
import type { AuthFailureLimiter } from '../protection/auth-failure-limiter';
import type { RateLimiter } from '../protection/rate-limiter';
import type { ApiKeyService, Principal } from './api-keys.service';
import { authenticate } from './authenticate';

export type Admit = (req: Request, res: Response) => Promise<Principal>;

/** RFC 9110 §11.6.1: a 401 names the scheme (and realm) the client should authenticate with. */
export const WWW_AUTHENTICATE = 'Bearer realm="sessions-gateway"';

/**
 * The gate every API request passes, GraphQL, REST and MCP alike: one Authorization header, a valid
 * key, then its rate limit. The X-RateLimit-* headers go on every admitted (and refused) response; a
 * 401 carries WWW-Authenticate whichever transport shapes its body.
 */
export function createAdmit(
  keys: ApiKeyService,
  limiter: RateLimiter,
  failures?: AuthFailureLimiter,
  onLimit?: (limit: 'auth_failures') => void,
): Admit {
  return async (req, res) => {
    refuseRepeatedAuthorization(req.rawHeaders);
    let principal: Principal;
    try {
      principal = failures?.enabled ? await authenticateCounted(req, res, keys, failures, onLimit) : await authenticate(req.headers, keys);
    } catch (err) {
      if (err instanceof UnauthenticatedError) res.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
      throw err;
    }
    if (!limiter.enabled) return principal;
    const decision = await limiter.consume(principal.keyId);
    res.setHeader('X-RateLimit-Limit', String(decision.limit));
    res.setHeader('X-RateLimit-Remaining', String(decision.remaining));
    res.setHeader('X-RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) {
      res.setHeader('Retry-After', String(decision.resetSeconds));
      throw new RateLimitedError(`Rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.resetSeconds} s`, decision.resetSeconds);
    }
    return principal;
  };
}

/** authenticate, refusing an address past its failed attempts (429), and counting its failures. */
async function authenticateCounted(req: Request, res: Response, keys: ApiKeyService, failures: AuthFailureLimiter, onLimit?: (limit: 'auth_failures') => void): Promise<Principal> {
  // req.ip: the socket's address, or the proxy's client address when Express is told to trust it.
  const address = req.ip ?? req.socket.remoteAddress ?? '';
  const wait = failures.blockedFor(address);
  if (wait > 0) {
    onLimit?.('auth_failures');
    res.setHeader('Retry-After', String(wait));
    throw new RateLimitedError(`Too many failed authentication attempts from this address (at most ${failures.limitPerMinute} a minute); retry in ${wait} s`, wait);
  }
  try {
    return await authenticate(req.headers, keys);
  } catch (err) {
    // Only a refused key counts: a lookup that failed (the database did not answer) says nothing about
    // the client, and counting it blocked every client behind one address when the pool ran dry.
    if (err instanceof UnauthenticatedError) failures.fail(address);
    throw err;
  }
}

/**
 * Node keeps only the first of several Authorization headers in req.headers; which key would be used
 * must not depend on that, so two are refused (400), from the raw headers that still have them all.
 */
function refuseRepeatedAuthorization(rawHeaders: string[]): void {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length === 13 && rawHeaders[i].toLowerCase() === 'authorization') seen++;
  }
  if (seen > 1) throw new AppError(`Send one Authorization header, not ${seen}`, 'BAD_USER_INPUT', { http: { status: 400 } });
}

import type { Wait } from './types.js';

/**
 * Every error the client throws. `status` is the HTTP status (undefined when no answer came), `error`
 * the body's title (e.g. "Not found"), `message` its detail and `requestId` the server's X-Request-Id.
 */
export class SessionsGatewayError extends Error {
  readonly status: number | undefined;
  readonly error: string;
  readonly requestId: string | undefined;

  constructor(init: { status?: number; error: string; message: string; requestId?: string; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.error = init.error;
    this.requestId = init.requestId;
  }
}

/** 400: the request was refused as invalid (the message names the field). */
export class BadRequestError extends SessionsGatewayError {}
/** 401: the API key is missing, unknown or revoked. */
export class AuthenticationError extends SessionsGatewayError {}
/** 404: no such session, inbox, message or wait (or it belongs to another key's owner). */
export class NotFoundError extends SessionsGatewayError {}
/** 409: the request conflicts with the resource's state (e.g. a session that has already ended). */
export class ConflictError extends SessionsGatewayError {}
/** 5xx: the server failed; the message is "Failed to <action>". */
export class InternalServerError extends SessionsGatewayError {}

/** 429: the key's rate limit is spent; `retryAfter` is how many seconds until it refills. */
export class RateLimitError extends SessionsGatewayError {
  readonly retryAfter: number | undefined;

  constructor(init: ConstructorParameters<typeof SessionsGatewayError>[0] & { retryAfter?: number }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/** No answer: the connection failed, was dropped, or the request timed out. */
export class ConnectionError extends SessionsGatewayError {}

/** waitFor / waitForOtp / waitForLink: the time ran out before a matching message arrived. */
export class WaitTimeoutError extends SessionsGatewayError {
  /** The wait as last seen (status `pending` or `timed_out`). */
  readonly wait: Wait;

  constructor(wait: Wait, message: string) {
    super({ error: 'Wait timed out', message });
    this.wait = wait;
  }
}

type ErrorClass = new (init: { status?: number; error: string; message: string; requestId?: string; retryAfter?: number }) => SessionsGatewayError;

/** The error class for an HTTP status. */
export function errorClassFor(status: number): ErrorClass {
  if (status === 400) return BadRequestError;
  if (status === 401) return AuthenticationError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return InternalServerError;
  return SessionsGatewayError;
}

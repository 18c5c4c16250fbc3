import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The one error model. Services throw these; GraphQL clients see `extensions.code`, and the REST
 * adapter maps the code to an HTTP status and the contract's `{error, message}` body.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

export class AppError extends GraphQLError {
  constructor(message: string, code: ErrorCode, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Invalid or missing API key') {
    // Raised while building the context, before any operation runs: Apollo answers it with HTTP 401.
    super(message, 'UNAUTHENTICATED', { http: { status: 401 } });
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, field?: string) {
    super(message, 'BAD_USER_INPUT', field ? { field } : {});
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, 'NOT_FOUND');
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 'CONFLICT');
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    // Raised before any operation runs, like UNAUTHENTICATED: Apollo answers it with HTTP 429.
    super(message, 'RATE_LIMITED', { retryAfterSeconds, http: { status: 429 } });
  }
}

export type ErrorLogger = (err: unknown, requestId: string | undefined) => void;

const requestOfError = new WeakMap<object, string>();

/**
 * Marks an error with the request it happened in, for maskError's log line and masked answer where the
 * request id is not at hand (Apollo's formatError). Request ids travel explicitly: an AsyncLocalStorage
 * would turn on Node 20's promise hooks, a cost on every promise of every request.
 */
export function markRequest(err: unknown, requestId: string): void {
  if (typeof err === 'object' && err !== null) requestOfError.set(err, requestId);
}

const markedRequest = (err: unknown): string | undefined => (typeof err === 'object' && err !== null ? requestOfError.get(err) : undefined);

/**
 * The choke point every error passes before a client sees it (Apollo's formatError and the REST
 * adapter both call this). Our own errors and GraphQL's request errors (parse, validation, variable
 * coercion: GraphQLErrors with no underlying cause) pass through; anything else is logged with the
 * request id and replaced by a generic INTERNAL_SERVER_ERROR — no SQL, no stack.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  original: unknown,
  log: ErrorLogger,
  requestId?: string,
): GraphQLFormattedError {
  const cause = original instanceof GraphQLError ? (original.originalError ?? original) : original;
  requestId ??= markedRequest(original) ?? markedRequest(cause);
  if (cause instanceof AppError) {
    const { http: _http, ...extensions } = cause.extensions as Record<string, unknown>;
    return { message: cause.message, locations: formatted.locations, path: formatted.path, extensions };
  }
  if (cause instanceof GraphQLError) {
    // graphql-js's own request errors (e.g. null for a non-null argument) carry no code, or Apollo's
    // generic INTERNAL_SERVER_ERROR: they are the client's input, not our failure.
    const { stacktrace: _stack, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    const code = extensions.code === undefined || extensions.code === 'INTERNAL_SERVER_ERROR' ? 'BAD_USER_INPUT' : extensions.code;
    return { ...formatted, extensions: { ...extensions, code } };
  }
  log(cause, requestId);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
  };
}

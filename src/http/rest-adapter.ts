import express, { type Request, type RequestHandler, type Response } from 'express';
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
  execute as executeOperation,
  subscribe as subscribeOperation,
  getNamedType,
  parse,
  typeFromAST,
  validate,
} from 'graphql';
import type { Admit } from '../auth/admit';
import type { Principal } from '../auth/api-keys.service';
import { admitFirst } from './admit-first';
import { type Context, createContext } from '../graphql/context';
import { type ErrorLogger, maskError } from '../graphql/errors';
import type { FileBody } from '../messages/message-files';
import type { Services } from '../services';
import { IDEMPOTENCY_KEY_PATTERN, type IdempotencyStore, requestHash, withIdempotencyClaim } from '../protection/idempotency';
import { type BodyFields, bodyFieldsOf, unknownFields, unknownFieldsMessage } from './body-fields';
import { sendError } from './errors';
import { sendJson } from './send-json';
import { describeVariableErrors } from './input-errors';
import { jsonBody, refuseFarOversized } from './json-body';
import { requestSignal } from './request-signal';
import { type RouteMatch, RouteTable } from './route-table';
import { SseConnection, type SseMessage } from './sse';
import { type AllPages, drainedOrClosed, streamAllPages } from './paged-body';

/** What a REST route is: which operation it runs, how its variables are built, how the result is shaped. */
export interface RestRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** Express path under /api/v1, e.g. '/sessions/:id'. */
  path: string;
  /** One GraphQL operation, parsed and validated once at startup. */
  operation: string;
  variables: (req: RestRequest) => Record<string, unknown>;
  /** Turns the operation's `data` into the contract's body. */
  body: (data: any) => unknown;
  status?: number;
  /** Names the route in "Failed to <action>" for masked internal errors. */
  action: string;
  /**
   * The operation variables a JSON body fills, when the route reads one (it must then be a JSON object):
   * `['input']` takes the body's fields as `$input`'s, `['reason']` the one field `reason`. The fields
   * allowed follow from their GraphQL types (see bodyFieldsOf); any other is refused with
   * `400 unknown field "…"`, as is every field sent to a route without a body.
   */
  readsBody?: readonly string[];
  /** Content types the route also takes as raw text (e.g. message/rfc822), up to `rawBodyLimit` bytes. */
  rawBodyTypes?: string[];
  /** A creating POST: an `Idempotency-Key` header makes retries safe. */
  idempotent?: boolean;
  /**
   * For idempotent routes: reads the created resource back by id (`$id`), shaped like the route's body. A retry
   * answers with it when the first attempt created the resource and then died before it answered.
   */
  readBack?: { operation: string; body: (data: any) => unknown };
  /**
   * A subscription served as Server-Sent Events: `body` turns each result's `data` into one message.
   * Errors before the stream starts (auth, NOT_FOUND, limits) are ordinary JSON answers.
   */
  stream?: true;
  /**
   * A download: the operation's resolver offers bytes in `context.file` (after its own auth and owner
   * checks), and they are streamed as the body with their content type, instead of a JSON body.
   */
  file?: true;
  /**
   * An unpaged list answered page by page: when `when` holds, the operation runs with `variables(input,
   * after)` once per page and each page's items are written out as they come, inside `{"<field>":[…]}`.
   * One long list then never holds the event loop for the whole of it (see paged-body.ts).
   */
  allPages?: AllPages;
  /**
   * REST names of GraphQL arguments named otherwise (`events(first:)` is the timeline's `?limit=`): a
   * BAD_USER_INPUT error about such an argument (its `extensions.field`) names it as the REST client sent it.
   */
  restNames?: Readonly<Record<string, string>>;
}

export interface RestRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** The body as text, when it came in one of the route's rawBodyTypes. */
  rawBody?: string;
  /** Request headers (lower-case names), for the few routes that read one (SSE's Last-Event-ID). */
  headers?: Record<string, string | string[] | undefined>;
}

/** The contract's titles per error code. */
const ERROR_STATUS: Record<string, { status: number; title: string }> = {
  UNAUTHENTICATED: { status: 401, title: 'Unauthorized' },
  BAD_USER_INPUT: { status: 400, title: 'Invalid request' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
};

/** What running an operation needs, whatever the transport. */
export type OperationOptions = Pick<RestOptions, 'schema' | 'logError'>;

interface RestOptions {
  schema: GraphQLSchema;
  services: Services;
  routes: RestRoute[];
  logError: ErrorLogger;
  /** Aborted at shutdown: in-flight long-polls answer early. */
  shutdown: AbortSignal;
  /** Byte limit for JSON bodies. */
  bodyLimit: number;
  /** Byte limit for rawBodyTypes bodies. */
  rawBodyLimit: number;
  /** Authentication and rate limiting, shared with /graphql. */
  admit: Admit;
  /** How long an admitted request may take to send its body (0: no limit of ours). */
  bodyTimeoutMs?: number;
  idempotency: IdempotencyStore;
  /** SSE heartbeat comment interval for stream routes. */
  streamHeartbeatMs?: number;
}

export interface PreparedRoute extends RestRoute {
  /** Reads the body as text for rawBodyTypes. */
  rawBody?: RequestHandler;
  document: DocumentNode;
  definitions: readonly VariableDefinitionNode[];
  /** Top-level variables of scalar type Int/Float/Boolean: query-string text is converted for them. */
  numericVariables: Map<string, 'Int' | 'Float' | 'Boolean'>;
  readBackDocument?: DocumentNode;
  /** The JSON body's allowed fields (none for a route that reads no body). */
  bodyFields: BodyFields;
}

/**
 * Serves REST routes by executing pre-parsed GraphQL operations against the same schema and context
 * as /graphql. It owns only HTTP shape; every rule (auth, validation, tenancy) runs in the resolvers.
 */
export function restRouter(opts: RestOptions): RequestHandler {
  const table = new RouteTable(opts.routes.map((r) => prepare(opts, r)));
  const json = jsonBody(opts.bodyLimit);
  const gate = admitFirst(opts.admit, opts.bodyTimeoutMs ?? 0);
  return (req, res, next) => {
    let found: RouteMatch<PreparedRoute>;
    try {
      found = table.match(req.method, req.path);
    } catch {
      // As Express: a path parameter that is not valid percent-encoding is a bad request.
      return next(Object.assign(new Error('Failed to decode a path parameter'), { status: 400 }));
    }
    if (found.kind === 'none') return next();
    if (found.kind === 'method-not-allowed') {
      res.setHeader('Allow', found.allow.join(', '));
      return sendError(res, 405, 'Method not allowed', `Use ${found.allow.join(' or ')} for this route`);
    }
    const { route, params } = found;
    req.params = params;
    res.locals.route = `${req.baseUrl}${route.path}`;
    // The key first, from the headers: nothing of the body is read for a request that will be refused.
    gate(req, res, {
      admitted: (principal) =>
        json(req, res, (err?: unknown) => {
          if (err) return next(err);
          if (!route.rawBody) return void handle(opts, route, principal, req, res);
          route.rawBody(req, res, (rawErr?: unknown) => (rawErr ? next(rawErr) : void handle(opts, route, principal, req, res)));
        }),
      refused: (err) => {
        const requestId = String(res.locals.requestId ?? '');
        void send(opts, res, errorReply(opts, route, err, requestId), requestId);
      },
      timedOut: (ms) => sendError(res, 408, 'Request timeout', `The request body was not received within ${ms} ms`),
    });
  };
}

/** Parses and validates a route's operation once; other transports (MCP) prepare the same rows. */
export function prepare({ schema, rawBodyLimit }: Pick<RestOptions, 'schema' | 'rawBodyLimit'>, route: RestRoute): PreparedRoute {
  const checked = (operation: string) => {
    const parsed = parse(operation);
    const problems = validate(schema, parsed);
    if (problems.length) throw new Error(`REST route ${route.method} ${route.path}: ${problems.map((p) => p.message).join('; ')}`);
    return parsed;
  };
  const document = checked(route.operation);
  if (route.idempotent && !route.readBack) throw new Error(`REST route ${route.method} ${route.path}: idempotent routes need readBack`);
  const readBackDocument = route.readBack ? checked(route.readBack.operation) : undefined;
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const definitions = op.variableDefinitions ?? [];
  const numericVariables = new Map<string, 'Int' | 'Float' | 'Boolean'>();
  for (const def of definitions) {
    const named = getNamedType(typeFromAST(schema, def.type)!).name;
    if (named === 'Int' || named === 'Float' || named === 'Boolean') numericVariables.set(def.variable.name.value, named);
  }
  const rawBody = route.rawBodyTypes ? rawTextBody(route.rawBodyTypes, rawBodyLimit) : undefined;
  let bodyFields: BodyFields;
  try {
    bodyFields = bodyFieldsOf(schema, definitions, route.readsBody ?? []);
  } catch (err) {
    throw new Error(`REST route ${route.method} ${route.path}: ${(err as Error).message}`);
  }
  return { ...route, document, definitions, numericVariables, rawBody, readBackDocument, bodyFields };
}

/** `express.text` for the route's raw types; a body declared far over the limit is refused unread. */
function rawTextBody(types: string[], limit: number): RequestHandler {
  const text = express.text({ type: types, limit });
  const exact = new Set(types.map((t) => t.toLowerCase()));
  return (req, res, next) => {
    const type = req.headers['content-type']?.toLowerCase();
    const refused = type !== undefined && exact.has(type) ? refuseFarOversized(req, res, limit) : undefined;
    if (refused) return next(refused);
    text(req, res, next);
  };
}

/** What a route answers: a status and a JSON body (none for 204), or a file streamed as the body. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  file?: FileBody;
}

async function handle(opts: RestOptions, route: PreparedRoute, principal: Principal, req: Request, res: Response): Promise<void> {
  const requestId = String(res.locals.requestId ?? '');
  let reply: Reply;
  try {
    const input = readInput(route, req);
    if ('status' in input) reply = input;
    else if (route.stream) {
      const sse = new SseConnection(res, { heartbeatMs: opts.streamHeartbeatMs ?? 15_000, shutdown: opts.shutdown });
      const started = await subscribe(opts, route, input, createContext(requestId, principal, opts.services, () => requestSignal(res, opts.shutdown), sse));
      if ('status' in started) reply = started;
      else return void (await sse.run(started, route.body as (data: any) => SseMessage));
    } else if (route.allPages?.when(input)) {
      const context = createContext(requestId, principal, opts.services, () => requestSignal(res, opts.shutdown));
      const pages = route.allPages;
      const page = async (after: string | null) => {
        const variables = fromText(route, pages.variables(input, after));
        const result = (await executeOperation({ schema: opts.schema, document: route.document, variableValues: variables, contextValue: context })) as ExecutionResult;
        return result.errors?.length ? graphQLErrorReply(opts, route, result, variables, requestId) : pages.page(result.data);
      };
      const answer = await streamAllPages(res, pages.field, page, (err) => maskError({ message: String((err as Error)?.message) }, err, opts.logError, requestId));
      if (!answer) return; // streamed
      reply = answer;
    } else {
      const context = () => createContext(requestId, principal, opts.services, () => requestSignal(res, opts.shutdown));
      const run = () => execute(opts, route, input, context());
      const readBack = (id: string) => executeReadBack(opts, route, id, context());
      const key = req.headers['idempotency-key'];
      reply = route.idempotent && key !== undefined ? await idempotently(opts.idempotency, route, principal.ownerId, key, input, run, readBack) : await run();
    }
  } catch (err) {
    reply = errorReply(opts, route, err, requestId);
  }
  await send(opts, res, reply, requestId);
}

async function send(opts: RestOptions, res: Response, reply: Reply, requestId: string): Promise<void> {
  if (res.headersSent) return; // the body timed out meanwhile (408)
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.file) await sendFile(res, reply.file, opts.logError, requestId);
  else if (reply.body === undefined) res.status(reply.status).end();
  else sendJson(res, reply.status, reply.body);
}

/** The route's variables from path, query and body — or a 400 reply when the body is unusable. */
function readInput(route: PreparedRoute, req: Request): RestRequest | Reply {
  const raw = route.rawBodyTypes && req.is(route.rawBodyTypes) && typeof req.body === 'string' ? (req.body as string) : undefined;
  const body = req.body === undefined || raw !== undefined ? {} : req.body;
  if (route.readsBody && raw === undefined && hasBody(req) && !req.is('application/json')) {
    const accepted = ['application/json', ...(route.rawBodyTypes ?? [])].join(' or ');
    return invalid(`Content-Type must be ${accepted}`);
  }
  if (route.readsBody && (typeof body !== 'object' || body === null || Array.isArray(body))) return invalid('Request body must be a JSON object');
  // A misspelt field (`metdata`) would otherwise vanish, and the caller never know.
  const unknown = unknownFields(body, route.bodyFields);
  if (unknown.length) return invalid(unknownFieldsMessage(unknown));
  return { params: req.params as Record<string, string>, query: req.query as Record<string, unknown>, body, rawBody: raw, headers: req.headers };
}

/** Runs a route's operation: the one path from any transport (REST, MCP) into the resolvers. */
export async function execute(opts: OperationOptions, route: PreparedRoute, input: RestRequest, contextValue: Context): Promise<Reply> {
  const variables = fromText(route, route.variables(input));
  const result = (await executeOperation({ schema: opts.schema, document: route.document, variableValues: variables, contextValue })) as ExecutionResult;
  if (result.errors?.length) return graphQLErrorReply(opts, route, result, variables, contextValue.requestId);
  if (route.file) return { status: 200, file: contextValue.file };
  const body = route.body(result.data);
  return { status: route.status ?? (body === undefined ? 204 : 200), body };
}

/** The resource an earlier attempt of this idempotent route created, answered as the route would have. */
async function executeReadBack(opts: RestOptions, route: PreparedRoute, id: string, contextValue: Context): Promise<Reply> {
  const variables = { id };
  const result = (await executeOperation({ schema: opts.schema, document: route.readBackDocument!, variableValues: variables, contextValue })) as ExecutionResult;
  if (result.errors?.length) return graphQLErrorReply(opts, route, result, variables, contextValue.requestId);
  return { status: route.status ?? 200, body: route.readBack!.body(result.data) };
}

/** Starts a stream route's subscription: its results, or the error reply that answers instead of a stream. */
export async function subscribe(opts: OperationOptions, route: PreparedRoute, input: RestRequest, contextValue: Context): Promise<AsyncIterableIterator<ExecutionResult> | Reply> {
  const variables = fromText(route, route.variables(input));
  const result = await subscribeOperation({ schema: opts.schema, document: route.document, variableValues: variables, contextValue });
  if (Symbol.asyncIterator in result) return result;
  return graphQLErrorReply(opts, route, result, variables, contextValue.requestId);
}

/**
 * Streams a file chunk by chunk, waiting for the socket to drain, so memory holds one chunk. The
 * headers are out before the bytes: a failure midway can only cut the connection (logged).
 */
async function sendFile(res: Response, file: FileBody, logError: ErrorLogger, requestId: string): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Length', String(file.sizeBytes));
  res.setHeader('Content-Disposition', contentDisposition(file.filename));
  if (res.req.method === 'HEAD') return void res.end();
  try {
    let sent = 0;
    for await (const chunk of file.chunks()) {
      if (res.destroyed) return;
      sent += chunk.length;
      if (!res.write(chunk)) await drainedOrClosed(res);
    }
    // Bytes deleted midway (the inbox was deleted): a cut connection, never a short file that looks whole.
    if (sent !== file.sizeBytes) return void res.destroy();
    res.end();
  } catch (err) {
    maskError({ message: String((err as Error)?.message) }, err, logError, requestId);
    res.destroy();
  }
}

/** `attachment`, with the name as ASCII fallback and RFC 5987 UTF-8 (no header injection either way). */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** Runs `run` at most once per Idempotency-Key (see IdempotencyStore); retries get the first answer. */
async function idempotently(
  store: IdempotencyStore,
  route: PreparedRoute,
  ownerId: string,
  key: string | string[],
  input: RestRequest,
  run: () => Promise<Reply>,
  readBack: (id: string) => Promise<Reply>,
): Promise<Reply> {
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) return invalid('Idempotency-Key must be 1 to 255 visible ASCII characters');
  const routeName = `${route.method} ${route.path}`;
  let hash: string;
  try {
    hash = requestHash([input.params, input.body, input.rawBody ?? null]);
  } catch (err) {
    // JSON.stringify recurses: a body nested thousands of levels deep (still under the size limit)
    // overflows the stack. It is the client's input, not our failure.
    if (err instanceof RangeError) return invalid('Request body is nested too deeply');
    throw err;
  }
  const start = await store.begin(ownerId, key, routeName, hash);
  if (start.kind === 'mismatch') return conflict('This Idempotency-Key was already used with a different request');
  if (start.kind === 'in_progress') {
    return { ...conflict('A request with this Idempotency-Key is still in progress'), headers: { 'Retry-After': String(start.retryAfterSeconds) } };
  }
  if (start.kind === 'replay') {
    return { status: start.status, body: start.body === null ? undefined : JSON.parse(start.body), headers: { 'Idempotent-Replayed': 'true' } };
  }
  // The work and the record's resource id commit together (recordCreated); the answer is stored after.
  const reply = start.kind === 'recover' ? await readBack(start.resourceId) : await withIdempotencyClaim(start.claim, run);
  await store.finish(start.claim, reply.status, reply.body === undefined ? null : JSON.stringify(reply.body));
  return start.kind === 'recover' ? { ...reply, headers: { ...reply.headers, 'Idempotent-Replayed': 'true' } } : reply;
}

function graphQLErrorReply(opts: OperationOptions, route: PreparedRoute, result: ExecutionResult, variables: Record<string, unknown>, requestId: string): Reply {
  const first = result.errors![0];
  const formatted = maskError(first.toJSON(), first, opts.logError, requestId);
  const code = String(formatted.extensions?.code);
  // No data at all means the variables were refused before execution: explain it in field terms.
  const message = code === 'BAD_USER_INPUT' && !result.data
    ? (describeVariableErrors(opts.schema, route.definitions, variables) ?? formatted.message)
    : inRestTerms(route, formatted.extensions?.field, formatted.message);
  const reply = mapped(route, code, message);
  // A limit met inside an operation (MAX_HELD_PER_KEY) says when to retry, as the rate limit does.
  const retryAfter = formatted.extensions?.retryAfterSeconds;
  if (code === 'RATE_LIMITED' && typeof retryAfter === 'number') reply.headers = { 'Retry-After': String(retryAfter) };
  return reply;
}

/** `first must be …` → `limit must be …` where the route's REST name for `first` is `limit`. */
function inRestTerms(route: Pick<RestRoute, 'restNames'>, field: unknown, message: string): string {
  if (typeof field !== 'string') return message;
  const restName = route.restNames?.[field];
  return restName && message.startsWith(`${field} `) ? `${restName}${message.slice(field.length)}` : message;
}

/** An error thrown outside the operation (auth, rate limit, bugs) → the contract's status and body. */
export function errorReply(opts: Pick<OperationOptions, 'logError'>, route: Pick<RestRoute, 'action'>, err: unknown, requestId: string): Reply {
  const formatted = maskError({ message: String((err as Error)?.message) }, err, opts.logError, requestId);
  return mapped(route, String(formatted.extensions?.code), formatted.message);
}

/** An error code → the contract's status and `{error, message}` body. */
function mapped(route: Pick<RestRoute, 'action'>, code: string, message: string): Reply {
  const known = ERROR_STATUS[code];
  if (!known) return { status: 500, body: { error: 'Internal server error', message: `Failed to ${route.action}` } };
  if (code === 'UNAUTHENTICATED') return { status: 401, body: { error: known.title, message: 'Invalid or missing API key' } };
  return { status: known.status, body: { error: known.title, message } };
}

const invalid = (message: string): Reply => ({ status: 400, body: { error: 'Invalid request', message } });
const conflict = (message: string): Reply => ({ status: 409, body: { error: 'Conflict', message } });

/** Query strings carry text; numbers and booleans are converted only when they are written as such. */
function fromText(route: PreparedRoute, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const kind = route.numericVariables.get(name);
    if (kind && typeof value === 'string') {
      if (kind === 'Boolean' && (value === 'true' || value === 'false')) out[name] = value === 'true';
      else if (kind === 'Int' && /^[+-]?\d{1,15}$/.test(value)) out[name] = Number(value);
      else if (kind === 'Float' && value.trim() !== '' && Number.isFinite(Number(value))) out[name] = Number(value);
      else out[name] = value;
    } else out[name] = value;
  }
  return out;
}

function hasBody(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

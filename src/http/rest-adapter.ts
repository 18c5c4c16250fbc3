import express, { type Request, type Response, type Router } from 'express';
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
  execute,
  getNamedType,
  parse,
  typeFromAST,
  validate,
} from 'graphql';
import { authenticate } from '../auth/authenticate';
import { createContext } from '../graphql/context';
import { type ErrorLogger, maskError } from '../graphql/errors';
import type { Services } from '../services';
import { sendError } from './errors';
import { describeVariableErrors } from './input-errors';
import { requestSignal } from './request-signal';

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
  /** Whether the route reads a JSON body (then it must be a JSON object when one is sent). */
  readsBody?: boolean;
  /** Content types the route also takes as raw text (e.g. message/rfc822), up to `rawBodyLimit` bytes. */
  rawBodyTypes?: string[];
}

export interface RestRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** The body as text, when it came in one of the route's rawBodyTypes. */
  rawBody?: string;
}

/** The contract's titles per error code. */
const ERROR_STATUS: Record<string, { status: number; title: string }> = {
  UNAUTHENTICATED: { status: 401, title: 'Unauthorized' },
  BAD_USER_INPUT: { status: 400, title: 'Invalid request' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
};

interface RestOptions {
  schema: GraphQLSchema;
  services: Services;
  routes: RestRoute[];
  logError: ErrorLogger;
  /** Aborted at shutdown: in-flight long-polls answer early. */
  shutdown: AbortSignal;
  /** Byte limit for rawBodyTypes bodies. */
  rawBodyLimit: number;
}

interface PreparedRoute extends RestRoute {
  document: DocumentNode;
  definitions: readonly VariableDefinitionNode[];
  /** Top-level variables of scalar type Int/Float/Boolean: query-string text is converted for them. */
  numericVariables: Map<string, 'Int' | 'Float' | 'Boolean'>;
}

/**
 * Serves REST routes by executing pre-parsed GraphQL operations against the same schema and context
 * as /graphql. It owns only HTTP shape; every rule (auth, validation, tenancy) runs in the resolvers.
 */
export function restRouter(opts: RestOptions): Router {
  const router = express.Router();
  for (const route of opts.routes.map((r) => prepare(opts.schema, r))) {
    const handler = (req: Request, res: Response) => handle(opts, route, req, res);
    const method = route.method === 'GET' ? 'get' : route.method === 'POST' ? 'post' : 'delete';
    if (route.rawBodyTypes) router[method](route.path, express.text({ type: route.rawBodyTypes, limit: opts.rawBodyLimit }));
    router[method](route.path, handler);
  }
  allowOnlyKnownMethods(router, opts.routes);
  return router;
}

function prepare(schema: GraphQLSchema, route: RestRoute): PreparedRoute {
  const document = parse(route.operation);
  const problems = validate(schema, document);
  if (problems.length) throw new Error(`REST route ${route.method} ${route.path}: ${problems.map((p) => p.message).join('; ')}`);
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const definitions = op.variableDefinitions ?? [];
  const numericVariables = new Map<string, 'Int' | 'Float' | 'Boolean'>();
  for (const def of definitions) {
    const named = getNamedType(typeFromAST(schema, def.type)!).name;
    if (named === 'Int' || named === 'Float' || named === 'Boolean') numericVariables.set(def.variable.name.value, named);
  }
  return { ...route, document, definitions, numericVariables };
}

async function handle(
  opts: RestOptions,
  route: PreparedRoute,
  req: Request,
  res: Response,
): Promise<void> {
  const requestId = String(res.locals.requestId ?? '');
  try {
    const principal = await authenticate(req.headers, opts.services.apiKeys);
    const raw = route.rawBodyTypes && req.is(route.rawBodyTypes) && typeof req.body === 'string' ? (req.body as string) : undefined;
    const body = req.body === undefined || raw !== undefined ? {} : req.body;
    if (route.readsBody && raw === undefined && hasBody(req) && !req.is('application/json')) {
      const accepted = ['application/json', ...(route.rawBodyTypes ?? [])].join(' or ');
      return sendError(res, 400, 'Invalid request', `Content-Type must be ${accepted}`);
    }
    if (route.readsBody && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      return sendError(res, 400, 'Invalid request', 'Request body must be a JSON object');
    }
    const restRequest = { params: req.params as Record<string, string>, query: req.query as Record<string, unknown>, body, rawBody: raw };
    const variables = fromText(route, route.variables(restRequest));
    const result = (await execute({
      schema: opts.schema,
      document: route.document,
      variableValues: variables,
      contextValue: createContext(requestId, principal, opts.services, requestSignal(res, opts.shutdown)),
    })) as ExecutionResult;
    if (result.errors?.length) return sendGraphQLError(opts, route, res, result, variables, requestId);
    const payload = route.body(result.data);
    if (payload === undefined) res.status(route.status ?? 204).end();
    else res.status(route.status ?? 200).json(payload);
  } catch (err) {
    const formatted = maskError({ message: String((err as Error)?.message) }, err, opts.logError, requestId);
    sendMapped(res, route, String(formatted.extensions?.code), formatted.message);
  }
}

function sendGraphQLError(
  opts: { schema: GraphQLSchema; logError: ErrorLogger },
  route: PreparedRoute,
  res: Response,
  result: ExecutionResult,
  variables: Record<string, unknown>,
  requestId: string,
): void {
  const first = result.errors![0];
  const formatted = maskError(first.toJSON(), first, opts.logError, requestId);
  const code = String(formatted.extensions?.code);
  // No data at all means the variables were refused before execution: explain it in field terms.
  const message = code === 'BAD_USER_INPUT' && !result.data
    ? (describeVariableErrors(opts.schema, route.definitions, variables) ?? formatted.message)
    : formatted.message;
  sendMapped(res, route, code, message);
}

function sendMapped(res: Response, route: RestRoute, code: string, message: string): void {
  const mapped = ERROR_STATUS[code];
  if (!mapped) return sendError(res, 500, 'Internal server error', `Failed to ${route.action}`);
  if (code === 'UNAUTHENTICATED') return sendError(res, 401, mapped.title, 'Invalid or missing API key');
  sendError(res, mapped.status, mapped.title, message);
}

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

/** A known path with another method answers 405 with Allow, rather than a misleading 404. */
function allowOnlyKnownMethods(router: Router, routes: RestRoute[]): void {
  const methodsByPath = new Map<string, string[]>();
  for (const r of routes) methodsByPath.set(r.path, [...(methodsByPath.get(r.path) ?? []), r.method]);
  for (const [path, methods] of methodsByPath) {
    router.all(path, (_req, res) => {
      res.setHeader('Allow', methods.join(', '));
      sendError(res, 405, 'Method not allowed', `Use ${methods.join(' or ')} for this route`);
    });
  }
}

import type { ExecutionResult, GraphQLSchema } from 'graphql';
import type { Principal } from '../auth/api-keys.service';
import { createContext } from '../graphql/context';
import type { ErrorLogger } from '../graphql/errors';
import type { StreamTransport } from '../history/live-events';
import { type PreparedRoute, type Reply, type RestRequest, type RestRoute, errorReply, execute, prepare, subscribe } from '../http/rest-adapter';
import type { Services } from '../services';

/** A REST route named as the route table names it: 'GET /sessions/:id'. */
export type RouteKey = `${RestRoute['method']} ${string}`;

/** Who runs an operation: the principal admitted at the transport, for logs its request id. */
export interface Caller {
  principal: Principal;
  requestId: string;
  /** Aborts long-polls (client cancellation, shutdown). */
  signal?: AbortSignal;
}

/**
 * Runs the REST route table's operations for transports other than REST (MCP tools and resources):
 * the same pre-parsed operation, the same variables, the same body and the same error mapping. The
 * transport only names the route and supplies what REST would read from the path, query and body.
 */
export class RouteOperations {
  private readonly byKey = new Map<string, PreparedRoute>();

  constructor(
    private readonly opts: { schema: GraphQLSchema; services: Services; logError: ErrorLogger; routes: RestRoute[] },
  ) {
    for (const route of opts.routes) this.byKey.set(`${route.method} ${route.path}`, prepare({ schema: opts.schema, rawBodyLimit: 0 }, route));
  }

  /** The reply REST would give: a status and the contract's body (`{error, message}` from 400 up). */
  async run(key: RouteKey, input: Partial<RestRequest>, caller: Caller): Promise<Reply> {
    const route = this.route(key);
    const signal = caller.signal;
    const context = createContext(caller.requestId, caller.principal, this.opts.services, signal ? () => signal : undefined);
    try {
      return await execute(this.opts, route, this.request(input), context);
    } catch (err) {
      return errorReply(this.opts, route, err, caller.requestId);
    }
  }

  /**
   * Starts a stream route's subscription on `transport`, as the SSE route does: the operation's
   * results, or the error reply REST would give instead of a stream.
   */
  async subscribe(key: RouteKey, input: Partial<RestRequest>, caller: Caller, transport: StreamTransport): Promise<AsyncIterableIterator<ExecutionResult> | Reply> {
    const route = this.route(key);
    if (!route.stream) throw new Error(`REST route ${key} is not a stream`);
    const context = createContext(caller.requestId, caller.principal, this.opts.services, undefined, transport);
    try {
      return await subscribe(this.opts, route, this.request(input), context);
    } catch (err) {
      return errorReply(this.opts, route, err, caller.requestId);
    }
  }

  private route(key: RouteKey): PreparedRoute {
    const route = this.byKey.get(key);
    if (!route) throw new Error(`no REST route ${key}`);
    return route;
  }

  private request(input: Partial<RestRequest>): RestRequest {
    return { params: {}, query: {}, body: {}, ...input };
  }
}

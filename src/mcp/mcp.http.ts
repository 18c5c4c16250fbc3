import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Admit } from '../auth/admit';
import type { Principal } from '../auth/api-keys.service';
import type { ErrorLogger } from '../graphql/errors';
import { sendError } from '../http/errors';
import { jsonBody } from '../http/json-body';
import { errorReply } from '../http/rest-adapter';
import { sendJson } from '../http/send-json';
import { createMcpServer, type McpCaller } from './mcp.server';
import type { RouteOperations } from './operations';

/** A session nobody has used for this long (and that has no request or stream open) is closed. */
const SESSION_IDLE_MS = 30 * 60_000;

interface McpSession {
  transport: StreamableHTTPServerTransport;
  ownerId: string;
  /** Requests (and GET streams) open on it; the idle timer runs only when there are none. */
  open: number;
  idle?: NodeJS.Timeout;
}

export interface McpEndpoint {
  handler: RequestHandler;
  /** Closes every session (at shutdown). */
  close(): Promise<void>;
}

/**
 * MCP over Streamable HTTP at /mcp: POST (JSON-RPC in, JSON or an SSE stream out), GET (the session's
 * stream for server-sent notifications) and DELETE (end the session). Every request is admitted as
 * REST's are (Bearer key, then rate limit): a wrong or missing key gets REST's 401 before the MCP layer.
 *
 * Sessions (Mcp-Session-Id) live in this instance's memory, so a client's cancellation reaches the call
 * it cancels. A session belongs to the owner whose key opened it; another owner's key is told it does
 * not exist. Behind a load balancer with several instances, route /mcp by the Mcp-Session-Id header.
 */
export function mcpEndpoint(opts: { operations: RouteOperations; admit: Admit; logError: ErrorLogger; shutdown: AbortSignal; bodyLimit: number }): McpEndpoint {
  const sessions = new Map<string, McpSession>();
  const json = jsonBody(opts.bodyLimit);
  // A shutdown waits for every response to end: the sessions' GET streams (open until the client
  // leaves) end now, and calls in flight answer as their long-polls return.
  opts.shutdown.addEventListener('abort', () => {
    for (const session of sessions.values()) session.transport.closeStandaloneSSEStream();
  }, { once: true });

  const release = (id: string, session: McpSession) => {
    session.open -= 1;
    if (session.open > 0 || !sessions.has(id)) return;
    session.idle = setTimeout(() => void session.transport.close(), SESSION_IDLE_MS);
    session.idle.unref();
  };

  const serve = async (req: Request, res: Response, principal: Principal) => {
    const caller: McpCaller = { principal, requestId: String(res.locals.requestId ?? '') };
    // The SDK hands `req.auth` to every handler of this request as `extra.authInfo`.
    (req as Request & { auth?: unknown }).auth = { token: '', clientId: principal.keyId, scopes: [], extra: { caller } };
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = sessions.get(id);
      if (!session || session.ownerId !== principal.ownerId) return rpcError(res, 404, -32001, 'Session not found');
      clearTimeout(session.idle);
      session.open += 1;
      res.once('close', () => release(id, session));
      return session.transport.handleRequest(req, res, req.body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return rpcError(res, 400, -32000, 'Bad Request: send an initialize request first, then its Mcp-Session-Id header with every request');
    }
    const session: McpSession = { transport: undefined!, ownerId: principal.ownerId, open: 1 };
    session.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (newId) => {
        sessions.set(newId, session);
        res.once('close', () => release(newId, session));
      },
    });
    session.transport.onclose = () => {
      const sid = session.transport.sessionId;
      clearTimeout(session.idle);
      if (sid) sessions.delete(sid);
    };
    await createMcpServer(opts.operations, opts.shutdown).connect(session.transport);
    await session.transport.handleRequest(req, res, req.body);
  };

  const handler: RequestHandler = (req, res, next) => {
    res.locals.route = '/mcp';
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      res.setHeader('Allow', 'POST, GET, DELETE');
      return sendError(res, 405, 'Method not allowed', 'Use POST, GET or DELETE for this route');
    }
    if (req.method === 'GET' && opts.shutdown.aborted) return sendError(res, 503, 'Service unavailable', 'The server is shutting down');
    const run = async () => {
      let principal: Principal;
      try {
        principal = await opts.admit(req, res);
      } catch (err) {
        const reply = errorReply(opts, { action: 'serve MCP' }, err, String(res.locals.requestId ?? ''));
        return sendJson(res, reply.status, reply.body);
      }
      await serve(req, res, principal);
    };
    const go = () => run().catch(next);
    if (req.method === 'POST') json(req, res, (err?: unknown) => (err ? next(err) : void go()));
    else void go();
  };

  return {
    handler,
    close: async () => {
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
      sessions.clear();
    },
  };
}

/** A JSON-RPC error with no request id: what the Streamable HTTP transport answers at its level. */
function rpcError(res: Response, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

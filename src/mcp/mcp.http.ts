import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
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
import { type McpSession, McpSessions } from './mcp-sessions';
import { createMcpServer, type McpCaller } from './mcp.server';
import type { RouteOperations } from './operations';

/** Sessions one owner may have open on one instance (see McpSessions). */
const MAX_SESSIONS_PER_OWNER = 100;

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
export function mcpEndpoint(opts: {
  operations: RouteOperations;
  admit: Admit;
  logError: ErrorLogger;
  shutdown: AbortSignal;
  bodyLimit: number;
  /** How long an unused session is kept. */
  sessionIdleMs: number;
}): McpEndpoint {
  const sessions = new McpSessions(opts.sessionIdleMs, MAX_SESSIONS_PER_OWNER);
  const json = jsonBody(opts.bodyLimit);
  // Every tool call in flight listens to this one (and stops listening when it ends): one listener on
  // the app's shutdown signal, and no MaxListeners warning for the 11th call held at once.
  const stopping = new AbortController();
  setMaxListeners(0, stopping.signal);
  // A shutdown waits for every response to end: the sessions' GET streams (open until the client
  // leaves) end now, and calls in flight answer as their long-polls return.
  opts.shutdown.addEventListener('abort', () => {
    stopping.abort();
    for (const session of sessions.all()) session.transport.closeStandaloneSSEStream();
  }, { once: true });

  const serve = async (req: Request, res: Response, principal: Principal) => {
    const caller: McpCaller = { principal, requestId: String(res.locals.requestId ?? '') };
    // The SDK hands `req.auth` to every handler of this request as `extra.authInfo`.
    (req as Request & { auth?: unknown }).auth = { token: '', clientId: principal.keyId, scopes: [], extra: { caller } };
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = sessions.get(id, principal.ownerId);
      if (!session) return rpcError(res, 404, -32001, 'Session not found');
      sessions.begin(session);
      res.once('close', () => sessions.end(session));
      return session.transport.handleRequest(req, res, req.body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return rpcError(res, 400, -32000, 'Bad Request: send an initialize request first, then its Mcp-Session-Id header with every request');
    }
    if (!sessions.makeRoom(principal.ownerId)) {
      const message = `At most ${sessions.maxPerOwner} MCP sessions per owner can be in use at once; end one (DELETE /mcp) first`;
      return sendError(res, 429, 'Too many requests', message);
    }
    const session: McpSession = { id: '', ownerId: principal.ownerId, transport: undefined!, open: 1, lastUsed: Date.now() };
    session.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (newId) => {
        session.id = newId;
        sessions.add(session);
        res.once('close', () => sessions.end(session));
      },
    });
    session.transport.onclose = () => sessions.remove(session);
    await createMcpServer(opts.operations, stopping.signal).connect(session.transport);
    await session.transport.handleRequest(req, res, req.body);
  };

  const handler: RequestHandler = (req, res, next) => {
    res.locals.route = '/mcp';
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      res.setHeader('Allow', 'POST, GET, DELETE');
      return sendError(res, 405, 'Method not allowed', 'Use POST, GET or DELETE for this route');
    }
    if (req.method === 'GET' && stopping.signal.aborted) return sendError(res, 503, 'Service unavailable', 'The server is shutting down');
    const run = async () => {
      let principal: Principal;
      try {
        principal = await opts.admit(req, res);
      } catch (err) {
        const reply = errorReply(opts, { action: 'serve MCP' }, err, String(res.locals.requestId ?? ''));
        return sendJson(res, reply.status, reply.body);
      }
      // The body is read only for an admitted caller.
      if (req.method === 'POST') {
        const unreadable = await new Promise<unknown>((resolve) => json(req, res, resolve));
        if (unreadable) return next(unreadable);
      }
      await serve(req, res, principal);
    };
    run().catch(next);
  };

  return {
    handler,
    close: () => sessions.closeAll(),
  };
}

/** A JSON-RPC error with no request id: what the Streamable HTTP transport answers at its level. */
function rpcError(res: Response, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

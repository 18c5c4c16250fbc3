import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/api-keys.service';
import { VERSION } from '../common/version';
import type { Caller, RouteOperations } from './operations';
import { TimelineSubscriptions } from './timeline-subscriptions';
import type { Tool, ToolOutcome, ToolRun } from './tool';
import { tools } from './tools';

/** What the HTTP transport attaches to each request (as the SDK's authInfo.extra): who is calling. */
export interface McpCaller {
  principal: Principal;
  requestId: string;
}

const TIMELINE_URI = /^session:\/\/([^/]+)\/timeline$/;
/** JSON-RPC code for an unknown resource, as the MCP specification names it. */
const RESOURCE_NOT_FOUND = -32002;

/**
 * One MCP server per client session. It holds no state of its own: every tool call and resource
 * read runs a REST route's operation as the caller admitted for that HTTP request.
 *
 * The low-level `Server` (not `McpServer`) because our arguments are validated where REST's are, by
 * GraphQL coercion and the services, so errors read the same; McpServer would validate them first with
 * zod and answer in zod's words. The tools' JSON Schemas are written out instead.
 */
export function createMcpServer(operations: RouteOperations, shutdown: AbortSignal): Server {
  const server = new Server(
    { name: 'sessions-gateway', title: 'Sessions Gateway', version: VERSION },
    {
      capabilities: { tools: {}, resources: { subscribe: true } },
      instructions:
        'Email-driven sign-up flows: create_session, then create_inbox (type its emailAddress into the form), then wait_for_otp or ' +
        'wait_for_link to receive the code, then complete_session (or fail_session). get_timeline shows every step.',
    },
  );
  const byName = new Map<string, Tool>(tools.map((t) => [t.name, t]));

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map(({ name, title, description, inputSchema, outputSchema, annotations }) => ({ name, title, description, inputSchema, outputSchema, annotations })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const caller = callerOf(extra.authInfo?.extra);
    const { signal, dispose } = eitherAborts(extra.signal, shutdown);
    const token = extra._meta?.progressToken;
    const run: ToolRun = {
      route: (key, input) => operations.run(key, input, { ...caller, signal }),
      progress: (progress, total, message) => {
        if (token === undefined || signal.aborted) return;
        void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } }).catch(() => {});
      },
      signal,
      cancelled: () => extra.signal.aborted,
    };
    const args = request.params.arguments ?? {};
    const unknown = unknownArgument(tool, args);
    let outcome: ToolOutcome;
    try {
      outcome = unknown ? { error: { error: 'Invalid request', message: unknown } } : await tool.call(args, run);
    } finally {
      dispose();
    }
    if ('error' in outcome) return { isError: true, content: [{ type: 'text', text: JSON.stringify(outcome.error) }] };
    return { content: [{ type: 'text', text: outcome.text }], structuredContent: outcome.data };
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: 'session://{id}/timeline',
        name: 'session-timeline',
        title: 'Session timeline',
        description: "A session's events in order (the same as get_timeline), as JSON. Subscribe to be told of each new event as it happens.",
        mimeType: 'application/json',
      },
    ],
  }));

  // The timelines of the most recent sessions, so a client can offer them without knowing ids.
  server.setRequestHandler(ListResourcesRequestSchema, async (_request, extra) => {
    const reply = await operations.run('GET /sessions', { query: { limit: 50 } }, callerOf(extra.authInfo?.extra));
    if (reply.status >= 400) throw asMcpError(reply.status, reply.body);
    const sessions = (reply.body as { data: Array<{ id: string; name: string; status: string }> }).data;
    return {
      resources: sessions.map((s) => ({
        uri: `session://${s.id}/timeline`,
        name: `${s.id}-timeline`,
        title: `Timeline of "${s.name}" (${s.status})`,
        mimeType: 'application/json',
      })),
    };
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    const reply = await operations.run('GET /sessions/:id/timeline', { params: { id: timelineSessionId(uri) } }, callerOf(extra.authInfo?.extra));
    if (reply.status >= 400) throw asMcpError(reply.status, reply.body, uri);
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(reply.body) }] };
  });

  // A subscribed timeline is told of each new event (notifications/resources/updated, on the session's
  // GET stream) by the live event feed; the client then reads it again.
  const subscriptions = new TimelineSubscriptions(operations, (uri) => server.sendResourceUpdated({ uri }));
  server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    const failed = await subscriptions.subscribe(uri, timelineSessionId(uri), callerOf(extra.authInfo?.extra));
    if (failed) throw asMcpError(failed.status, failed.body, uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.unsubscribe(request.params.uri);
    return {};
  });
  const release = () => subscriptions.releaseAll();
  shutdown.addEventListener('abort', release, { once: true });
  server.onclose = () => {
    shutdown.removeEventListener('abort', release);
    release();
  };

  return server;
}

/** The session id of a `session://{id}/timeline` URI; RESOURCE_NOT_FOUND for any other URI. */
function timelineSessionId(uri: string): string {
  const match = TIMELINE_URI.exec(uri);
  if (!match) throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri} (resources are session://{id}/timeline)`, { uri });
  return decodeURIComponent(match[1]);
}

/**
 * Aborts when either does, and lets go of the long-lived one (the shutdown signal) when the call ends.
 * (AbortSignal.any would keep a composite per call registered on the shutdown signal.)
 */
function eitherAborts(request: AbortSignal, shutdown: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (request.aborted || shutdown.aborted) abort();
  request.addEventListener('abort', abort, { once: true });
  shutdown.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      request.removeEventListener('abort', abort);
      shutdown.removeEventListener('abort', abort);
    },
  };
}

/**
 * A misspelt optional argument ("timeout" for "timeoutSeconds") would otherwise be dropped without a
 * word, and the call would run with the default: say so, as the schema's additionalProperties does.
 */
function unknownArgument(tool: Tool, args: Record<string, unknown>): string | null {
  const known = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
  const extra = Object.keys(args).find((name) => !known.includes(name));
  if (extra === undefined) return null;
  return `Unknown argument: ${extra} (${tool.name} takes ${known.join(', ') || 'no arguments'})`;
}

function callerOf(extra: Record<string, unknown> | undefined): Caller {
  const caller = extra?.caller as McpCaller | undefined;
  // The HTTP transport admits every request before it reaches the server; nothing else connects.
  if (!caller) throw new McpError(ErrorCode.InternalError, 'request without a caller');
  return caller;
}

/** A REST error reply as a JSON-RPC error, in REST's words (resources have no isError result). */
function asMcpError(status: number, body: unknown, uri?: string): McpError {
  const { error, message } = body as { error: string; message: string };
  const code = status === 404 ? RESOURCE_NOT_FOUND : status < 500 ? ErrorCode.InvalidParams : ErrorCode.InternalError;
  return new McpError(code, `${error}: ${message}`, { error, message, ...(uri ? { uri } : {}) });
}

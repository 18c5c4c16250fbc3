import type { Reply, RestRequest } from '../http/rest-adapter';
import { idField } from '../http/routes';
import type { RouteKey } from './operations';

export type Json = Record<string, unknown>;

/** What a tool can do while it runs: REST's operations, progress, and whether it should stop. */
export interface ToolRun {
  /** Runs a route's operation as the caller (see RouteOperations.run). */
  route(key: RouteKey, input: Partial<RestRequest>): Promise<Reply>;
  /** Sends a progress notification when the client asked for progress; otherwise does nothing. */
  progress(progress: number, total: number, message: string): void;
  /** Aborted when the client cancels the call or the server shuts down. */
  signal: AbortSignal;
  /** Whether the client cancelled the call (rather than the server shutting down). */
  cancelled(): boolean;
}

/** A tool's answer: structured data and a line an LLM reads, or the REST error body. */
export type ToolOutcome = { data: Json; text: string } | { error: { error: string; message: string } };

export interface Tool {
  name: string;
  title: string;
  description: string;
  inputSchema: Json & { type: 'object' };
  outputSchema: Json & { type: 'object' };
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  call(args: Json, run: ToolRun): Promise<ToolOutcome>;
}

/**
 * REST names its path parameters `id`; tools name them `sessionId`, `inboxId`…, and flatten wait
 * filters. Messages that name a field ("id is required") are told in the tool's names.
 */
export function renamed(reply: Reply, names: Record<string, string>): { error: { error: string; message: string } } {
  const body = reply.body as { error: string; message: string };
  let message = body.message;
  for (const [from, to] of Object.entries(names)) {
    if (message.startsWith(from) && /^[ .]/.test(message.slice(from.length))) {
      message = to + message.slice(from.length);
      break;
    }
  }
  return { error: { error: body.error, message } };
}

/** The REST reply as a tool outcome: its body as data on success, its `{error, message}` otherwise. */
export function outcome(reply: Reply, text: (data: any) => string, names: Record<string, string> = {}): ToolOutcome {
  if (reply.status >= 400) return renamed(reply, names);
  const data = (reply.body ?? {}) as Json;
  return { data, text: text(data) };
}

/** An id argument in a path parameter's place, refused as REST refuses a JSON number for an id. */
export const pathId = (v: unknown): string => idField(v) as string;

/** An input schema: an object of described properties. */
export function input(properties: Record<string, Json>, required: string[] = []): Json & { type: 'object' } {
  return { type: 'object', properties, required, additionalProperties: false };
}

import { htmlToText } from '../extract/html-text';
import type { RouteKey } from './operations';
import * as out from './output-schemas';
import { type Json, type Tool, input, outcome, pathId } from './tool';
import { cancelWait, waitForLink, waitForOtp } from './wait-tools';

/**
 * The MCP tools. Each runs the GraphQL operation of the matching REST route (RouteOperations), so
 * auth, validation, tenancy and errors are REST's; a tool only maps its arguments onto the route's
 * path, query and body, and says the result in a line an LLM can act on.
 */
const sessionId = { type: 'string', description: 'The session id (sess_…), as returned by create_session.' };
const inboxId = { type: 'string', description: 'The inbox id (inb_…), as returned by create_inbox.' };
const limit = { type: 'integer', description: 'Page size, 1 to 100 (default 20).' };
const offset = { type: 'integer', description: 'How many items to skip (default 0).' };
const metadata = { type: 'object', description: 'Free-form JSON object stored with it, e.g. {"site": "example.com"}.' };

const SESSION_ID = { id: 'sessionId' };

/** A tool whose only argument is the session id of its REST route's path. */
function bySessionId(tool: Omit<Tool, 'call' | 'inputSchema'>, key: RouteKey, text: (data: any) => string): Tool {
  return {
    ...tool,
    inputSchema: input({ sessionId }, ['sessionId']),
    call: async (args, run) => outcome(await run.route(key, { params: { id: pathId(args.sessionId) } }), text, SESSION_ID),
  };
}

export const sessionTools: Tool[] = [
  {
    name: 'create_session',
    title: 'Create session',
    description:
      'Start a session: one automated workflow (e.g. "sign up at example.com") that groups the inboxes and waits it uses and records a timeline. Call this first, then create_inbox with its id.',
    inputSchema: input({ name: { type: 'string', description: 'What the workflow does, e.g. "Sign up at example.com".' }, metadata }, ['name']),
    outputSchema: out.session,
    call: async (args, run) =>
      outcome(await run.route('POST /sessions', { body: { name: args.name, metadata: args.metadata } }), (s) => `Created session ${s.id} ("${s.name}"), status ${s.status}.`),
  },
  {
    name: 'list_sessions',
    title: 'List sessions',
    description: 'List your sessions, newest first, optionally only those with one status.',
    inputSchema: input({ status: { type: 'string', enum: ['active', 'completed', 'failed'], description: 'Only sessions with this status.' }, limit, offset }),
    outputSchema: out.sessionPage,
    annotations: { readOnlyHint: true },
    call: async (args, run) =>
      outcome(
        await run.route('GET /sessions', { query: { status: args.status, limit: args.limit, offset: args.offset } }),
        (p) => `${p.data.length} of ${p.pagination.total} sessions:\n${p.data.map((s: Json) => `${s.id} ${s.status} "${s.name}"`).join('\n')}`,
      ),
  },
  bySessionId(
    { name: 'get_session', title: 'Get session', description: 'A session with its status and the ids of its inboxes and waits.', outputSchema: out.session, annotations: { readOnlyHint: true } },
    'GET /sessions/:id',
    (s) => `Session ${s.id} ("${s.name}") is ${s.status}; inboxes: ${s.inboxes.join(', ') || 'none'}; waits: ${s.waits.join(', ') || 'none'}.`,
  ),
  bySessionId(
    {
      name: 'complete_session',
      title: 'Complete session',
      description: 'Mark a session as completed once its workflow succeeded. Its inboxes stop receiving mail.',
      outputSchema: out.sessionEnd,
      annotations: { idempotentHint: true },
    },
    'POST /sessions/:id/complete',
    (s) => `Session ${s.id} is ${s.status}.`,
  ),
  {
    name: 'fail_session',
    title: 'Fail session',
    description: 'Mark a session as failed, with the reason (kept on the session and in its timeline).',
    inputSchema: input({ sessionId, reason: { type: 'string', description: 'Why the workflow failed, e.g. "no OTP email arrived".' } }, ['sessionId', 'reason']),
    outputSchema: out.sessionFailed,
    annotations: { idempotentHint: true },
    call: async (args, run) =>
      outcome(
        await run.route('POST /sessions/:id/fail', { params: { id: pathId(args.sessionId) }, body: { reason: args.reason } }),
        (s) => `Session ${s.id} is ${s.status}: ${s.failureReason}.`,
        SESSION_ID,
      ),
  },
  bySessionId(
    {
      name: 'get_timeline',
      title: 'Get timeline',
      description: "A session's events in order: session, inbox, message and wait events with their payloads.",
      outputSchema: out.timeline,
      annotations: { readOnlyHint: true },
    },
    'GET /sessions/:id/timeline',
    (t) => t.events.map((e: Json) => `${e.timestamp} ${e.type} ${JSON.stringify(e.payload)}`).join('\n') || 'No events.',
  ),
  bySessionId(
    {
      name: 'replay_session',
      title: 'Replay session',
      description: 'The recorded steps of a session (action, input, output, duration), to reproduce or debug the workflow.',
      outputSchema: out.replay,
      annotations: { readOnlyHint: true },
    },
    'POST /sessions/:id/replay',
    (r) => r.steps.map((s: Json) => `${s.index}. ${s.action} ${JSON.stringify(s.input)} -> ${JSON.stringify(s.output)}`).join('\n') || 'No steps.',
  ),
];

export const inboxTools: Tool[] = [
  {
    name: 'create_inbox',
    title: 'Create inbox',
    description:
      'Create a temporary email inbox and get its address: type emailAddress into the sign-up form, then call wait_for_otp or wait_for_link with the inbox id.',
    inputSchema: input({
      sessionId: { type: 'string', description: 'The session the inbox belongs to (recommended: its events join the timeline).' },
      ttlSeconds: { type: 'integer', description: 'Lifetime in seconds, 1 to 604800 (default 3600).' },
      metadata,
    }),
    outputSchema: out.inbox,
    call: async (args, run) =>
      outcome(
        await run.route('POST /inboxes', { body: { sessionId: args.sessionId, ttlSeconds: args.ttlSeconds, metadata: args.metadata } }),
        (i) => `Inbox ${i.id} receives mail at ${i.emailAddress} until ${i.expiresAt}.`,
      ),
  },
  {
    name: 'list_messages',
    title: 'List messages',
    description: 'The messages an inbox received, newest first (sender, subject, size); read one with get_message.',
    inputSchema: input({ inboxId, limit, offset }, ['inboxId']),
    outputSchema: out.messagePage,
    annotations: { readOnlyHint: true },
    call: async (args, run) =>
      outcome(
        await run.route('GET /inboxes/:id/messages', { params: { id: pathId(args.inboxId) }, query: { limit: args.limit, offset: args.offset } }),
        (p) => `${p.data.length} of ${p.pagination.total} messages:\n${p.data.map((m: Json) => `${m.id} from ${m.from}: "${m.subject}"`).join('\n')}`,
        { id: 'inboxId' },
      ),
  },
  {
    name: 'get_message',
    title: 'Get message',
    description:
      'Read one email: sender, recipients, subject, its text (an HTML-only email is reduced to text), every one-time code and link found in it ' +
      '(the ones a wait would take marked), its attachments (names, types, sizes) and all its headers.',
    inputSchema: input({ messageId: { type: 'string', description: 'The message id (msg_…), from list_messages or a wait.' } }, ['messageId']),
    outputSchema: out.message,
    annotations: { readOnlyHint: true },
    call: async (args, run) => {
      const reply = await run.route('GET /messages/:id', { params: { id: pathId(args.messageId) } });
      if (reply.status >= 400) return outcome(reply, () => '', { id: 'messageId' });
      const { html, text, ...rest } = reply.body as Json;
      const readable = typeof text === 'string' && text.trim() !== '' ? text : typeof html === 'string' ? htmlToText(html) : '';
      const data = { ...rest, text: readable };
      return { data, text: readableMessage(data) };
    },
  },
];

/** An email as a reader sees it: the envelope, then what an agent looks for (codes, links, files), then the text. */
function readableMessage(m: Json): string {
  const codes = m.codes as Array<{ value: string; best: boolean }>;
  const links = m.links as Array<{ url: string; text: string; picked: boolean }>;
  const files = m.attachments as Array<{ filename: string | null; contentType: string; sizeBytes: number }>;
  const lines = [`From: ${m.from}`, `To: ${(m.to as string[]).join(', ')}`];
  if ((m.cc as string[]).length) lines.push(`Cc: ${(m.cc as string[]).join(', ')}`);
  lines.push(`Subject: ${m.subject}`, `Received: ${m.receivedAt}`);
  if (codes.length) lines.push(`Codes: ${codes.map((c) => (c.best ? `${c.value} (best)` : c.value)).join(', ')}`);
  if (links.length) lines.push('Links:', ...links.map((l) => `- ${l.url}${l.text ? ` "${l.text}"` : ''}${l.picked ? ' (picked)' : ''}`));
  if (files.length) lines.push(`Attachments: ${files.map((f) => `${f.filename ?? '(unnamed)'} (${f.contentType}, ${f.sizeBytes} bytes)`).join(', ')}`);
  return `${lines.join('\n')}\n\n${m.text}`;
}

export const waitTools: Tool[] = [waitForOtp, waitForLink, cancelWait];

export const tools: Tool[] = [...sessionTools, ...inboxTools, ...waitTools];

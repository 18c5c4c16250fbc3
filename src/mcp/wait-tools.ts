import { LONG_POLL_MAX_SECONDS } from '../waits/wait.service';
import * as out from './output-schemas';
import { type Json, type Tool, type ToolOutcome, type ToolRun, input, outcome, pathId, renamed } from './tool';

/** How often a held wait tells a client that asked for progress that it is still waiting. */
const PROGRESS_INTERVAL_MS = 5_000;

/** The filters a tool passes on as REST's `filters` object (`pattern` only where the tool takes it). */
const FILTER_NAMES = ['from', 'subjectContains', 'to', 'subjectMatches', 'bodyMatches', 'pattern'] as const;

/** REST names wait filters `filters.from`; the tools take them as flat arguments. */
const WAIT_NAMES: Record<string, string> = { ...Object.fromEntries(FILTER_NAMES.map((f) => [`filters.${f}`, f])), id: 'waitId' };

const waitInput = (what: string, type: 'otp' | 'magic_link') =>
  input(
    {
      inboxId: { type: 'string', description: `The inbox (inb_…) the email with the ${what} is sent to, from create_inbox.` },
      sessionId: { type: 'string', description: "The session to record the wait in (default: the inbox's session)." },
      timeoutSeconds: { type: 'integer', description: `How long to wait for the email, 1 to 600 seconds (default 120). The call returns as soon as the ${what} arrives.` },
      since: {
        type: 'string',
        description:
          'RFC 3339 time, e.g. "2026-01-31T09:15:00Z": also take an email that ALREADY arrived at or after this time (oldest first), then wait for new ones. ' +
          'Without it only emails arriving after this call count, so an email that was faster than you is missed. Pass the time just before you submitted the form; ' +
          "the inbox's createdAt (from create_inbox) works when this is the first such email to the inbox. At most 24 hours back, not in the future.",
      },
      from: { type: 'string', description: 'Only emails whose sender contains this (case-insensitive), e.g. "example.com".' },
      to: { type: 'string', description: 'Only emails with a recipient containing this (case-insensitive), e.g. the exact address given to the form.' },
      subjectContains: { type: 'string', description: 'Only emails whose subject contains this (case-insensitive), e.g. "verify".' },
      subjectMatches: { type: 'string', description: 'Only emails whose subject matches this JavaScript regular expression; a leading (?i) ignores case, e.g. "(?i)^(verify|confirm)".' },
      bodyMatches: { type: 'string', description: 'Only emails whose body (text, or HTML read as text) matches this JavaScript regular expression, e.g. "sign.?in".' },
      ...(type === 'otp'
        ? {
            pattern: {
              type: 'string',
              description:
                'A JavaScript regular expression with exactly one capture group that picks the code, overriding the built-in code finder; use it when the code is not the obvious one, e.g. "PIN: (\\d{4})".',
            },
          }
        : {}),
    },
    ['inboxId'],
  );

/**
 * Creates a wait (POST /waits) and holds until it ends (GET /waits/{id}?waitSeconds, the long-poll
 * that holds no database connection while it waits), in chunks of the long-poll's maximum. A client
 * that cancels the call cancels the wait (POST /waits/{id}/cancel); a shutdown answers with the wait
 * as it stands.
 */
async function holdWait(args: Json, run: ToolRun, type: 'otp' | 'magic_link'): Promise<ToolOutcome | { wait: Json }> {
  const given = FILTER_NAMES.filter((name) => args[name] !== undefined);
  const filters = given.length ? Object.fromEntries(given.map((name) => [name, args[name]])) : undefined;
  const created = await run.route('POST /waits', {
    body: { inboxId: args.inboxId, sessionId: args.sessionId, type, timeoutSeconds: args.timeoutSeconds, filters, since: args.since },
  });
  if (created.status >= 400) return renamed(created, WAIT_NAMES);
  let wait = created.body as Json;
  const started = Date.now();
  const total = wait.timeoutSeconds as number;
  const tell = () => {
    const elapsed = Math.min(total, Math.round((Date.now() - started) / 1000));
    run.progress(elapsed, total, `Waiting for ${type === 'otp' ? 'an OTP' : 'a link'} email in inbox ${wait.inboxId} (${elapsed} of ${total} s)`);
  };
  tell();
  const ticker = setInterval(tell, PROGRESS_INTERVAL_MS);
  try {
    while (wait.status === 'pending' && !run.signal.aborted) {
      const secondsLeft = Math.ceil((Date.parse(wait.deadline as string) - Date.now()) / 1000) + 1;
      const reply = await run.route('GET /waits/:id', { params: { id: wait.id as string }, query: { waitSeconds: Math.min(LONG_POLL_MAX_SECONDS, Math.max(1, secondsLeft)) } });
      if (reply.status >= 400) return renamed(reply, WAIT_NAMES);
      wait = reply.body as Json;
    }
  } finally {
    clearInterval(ticker);
  }
  if (wait.status === 'pending' && run.cancelled()) {
    // Nobody is listening any more: the wait must not go on to take a message meant for a later one.
    const canceled = await run.route('POST /waits/:id/cancel', { params: { id: wait.id as string } });
    if (canceled.status < 400) wait = canceled.body as Json;
  }
  return { wait };
}

function waitTool(name: 'wait_for_otp' | 'wait_for_link', type: 'otp' | 'magic_link', valueName: 'code' | 'link'): Tool {
  const what = type === 'otp' ? 'one-time code' : 'magic link';
  return {
    name,
    title: type === 'otp' ? 'Wait for OTP' : 'Wait for link',
    description:
      `Wait for an email with a ${what} to arrive in an inbox and return the ${what} and the message id. ` +
      `Call it right after submitting the form that sends the email; it returns as soon as the email arrives, or with status "timed_out" after timeoutSeconds. ` +
      `If the email may already have arrived (you submitted the form before calling this), pass since: the time just before you submitted it, so the email is not missed. ` +
      `Filters (all optional, combined with AND) pick the right email when an inbox gets several.`,
    inputSchema: waitInput(what, type),
    outputSchema: out.waitOutcome(valueName, `The ${what}; null unless status is completed.`),
    call: async (args, run) => {
      const held = await holdWait(args, run, type);
      if (!('wait' in held)) return held;
      const { wait } = held;
      const result = wait.result as { value: string; messageId: string } | null;
      const data = { status: wait.status, [valueName]: result?.value ?? null, messageId: result?.messageId ?? null, waitId: wait.id, wait };
      return { data, text: describe(wait, what, valueName, result) };
    },
  };
}

function describe(wait: Json, what: string, valueName: string, result: { value: string; messageId: string } | null): string {
  switch (wait.status) {
    case 'completed':
      return `The ${valueName} is ${result!.value} (message ${result!.messageId}, wait ${wait.id}).`;
    case 'timed_out':
      return `Timed out: no email with a ${what} arrived in inbox ${wait.inboxId} within ${wait.timeoutSeconds} seconds (wait ${wait.id}). Check the address was submitted, then call again.`;
    case 'canceled':
      return `The wait ${wait.id} was canceled before an email with a ${what} arrived.`;
    default:
      return `The server is shutting down; wait ${wait.id} is still pending. Call again to wait on.`;
  }
}

export const waitForOtp = waitTool('wait_for_otp', 'otp', 'code');
export const waitForLink = waitTool('wait_for_link', 'magic_link', 'link');

export const cancelWait: Tool = {
  name: 'cancel_wait',
  title: 'Cancel wait',
  description: 'Cancel a pending wait (e.g. one left by an interrupted wait_for_otp). Canceling a canceled wait is fine; a completed or timed-out one is a conflict.',
  inputSchema: input({ waitId: { type: 'string', description: 'The wait id (wait_…), from wait_for_otp, wait_for_link or get_session.' } }, ['waitId']),
  outputSchema: out.wait,
  annotations: { idempotentHint: true },
  call: async (args, run) =>
    outcome(await run.route('POST /waits/:id/cancel', { params: { id: pathId(args.waitId) } }), (w) => `Wait ${w.id} is ${w.status}.`, WAIT_NAMES),
};

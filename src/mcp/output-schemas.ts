/**
 * JSON Schemas of the tools' structured output. They describe the REST bodies the tools return (the
 * same route, the same body), so an agent that knows the REST API reads the same fields. Objects allow
 * more properties: a field added to a REST body must not make clients reject a tool's answer.
 */
type Schema = Record<string, unknown>;

const string: Schema = { type: 'string' };
const nullableString: Schema = { type: ['string', 'null'] };
const dateTime: Schema = { type: 'string', description: 'ISO 8601 date-time' };
const nullableDateTime: Schema = { type: ['string', 'null'], description: 'ISO 8601 date-time' };
const integer: Schema = { type: 'integer' };
const jsonObject: Schema = { type: 'object' };

type ObjectSchema = Schema & { type: 'object' };

export function object(properties: Record<string, Schema>, required: string[] = Object.keys(properties)): ObjectSchema {
  return { type: 'object', properties, required };
}

const list = (item: Schema): Schema => ({ type: 'array', items: item });

const pagination = object({ limit: integer, offset: integer, total: integer });

export const session = object({
  id: string,
  name: string,
  status: { type: 'string', enum: ['active', 'completed', 'failed'] },
  createdAt: dateTime,
  updatedAt: dateTime,
  completedAt: nullableDateTime,
  metadata: jsonObject,
  inboxes: list(string),
  waits: list(string),
});

export const sessionPage = object({
  data: list(object({ id: string, name: string, status: string, createdAt: dateTime })),
  pagination,
});

export const sessionEnd = object({ id: string, status: string, completedAt: nullableDateTime });

export const sessionFailed = object({ id: string, status: string, completedAt: nullableDateTime, failureReason: nullableString });

export const timeline = object({ events: list(object({ timestamp: dateTime, type: string, payload: jsonObject })) });

export const replay = object({
  steps: list(object({ index: integer, timestamp: dateTime, action: string, input: jsonObject, output: jsonObject, durationMs: integer })),
});

export const inbox = object({
  id: string,
  emailAddress: { type: 'string', description: 'The address to type into a sign-up form.' },
  status: string,
  sessionId: nullableString,
  metadata: jsonObject,
  createdAt: dateTime,
  expiresAt: dateTime,
});

const messageSummary = { id: string, inboxId: string, from: string, to: list(string), subject: string, sizeBytes: integer, receivedAt: dateTime };

export const messagePage = object({ data: list(object(messageSummary)), pagination });

const boolean: Schema = { type: 'boolean' };

export const message = object({
  ...messageSummary,
  text: { type: 'string', description: 'The text part, or the HTML part reduced to text when there is no text part.' },
  codes: {
    ...list(object({ value: string, part: string, start: integer, end: integer, best: boolean })),
    description: 'Every one-time code found, best first; best marks the one wait_for_otp takes.',
  },
  links: { ...list(object({ url: string, text: string, picked: boolean })), description: 'Every link, with its text; picked marks the one wait_for_link takes.' },
  attachments: {
    ...list(object({ id: string, filename: nullableString, contentType: string, sizeBytes: integer, contentId: nullableString })),
    description: 'The attached files (metadata; the bytes are at GET /api/v1/messages/{id}/attachments/{attachmentId}).',
  },
  cc: list(string),
  replyTo: list(string),
  messageId: { ...nullableString, description: 'The Message-ID header.' },
  inReplyTo: nullableString,
  headers: { ...list(object({ name: string, value: string })), description: 'Every header field, in order.' },
});

export const wait = object({
  id: string,
  inboxId: string,
  sessionId: nullableString,
  type: string,
  status: { type: 'string', enum: ['pending', 'completed', 'timed_out', 'canceled'] },
  timeoutSeconds: integer,
  filters: jsonObject,
  result: { type: ['object', 'null'] },
  createdAt: dateTime,
  deadline: dateTime,
  endedAt: nullableDateTime,
});

/** wait_for_otp / wait_for_link: what an agent needs first (the value and the message), then the wait. */
export function waitOutcome(valueName: 'code' | 'link', description: string): ObjectSchema {
  return object({
    status: { type: 'string', enum: ['completed', 'timed_out', 'canceled', 'pending'], description: 'completed: the value is set; timed_out: nothing matching arrived in time.' },
    [valueName]: { type: ['string', 'null'], description },
    messageId: { type: ['string', 'null'], description: 'The message the value came from (read it with get_message).' },
    waitId: string,
    wait,
  });
}

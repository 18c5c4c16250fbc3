import type { RestRoute } from './rest-adapter';
import { MAX_EVENTS_PAGE } from '../history/history.service';

/**
 * The documented REST routes, one row each: the GraphQL operation it runs, where its variables come
 * from, and how `data` becomes the contract's body. Adding a route means adding a row.
 */
/** Every list's `pagination`: the contract's three fields, then the cursor of the next page. */
const PAGINATION_FIELDS = 'limit offset total next';
const SESSION_FIELDS = 'id name status createdAt updatedAt completedAt metadata inboxIds waitIds';

const sessionBody = (s: Record<string, unknown> & { inboxIds: string[]; waitIds: string[] }) => ({
  id: s.id,
  name: s.name,
  status: s.status,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  completedAt: s.completedAt,
  metadata: s.metadata,
  inboxes: s.inboxIds,
  waits: s.waitIds,
});

export const sessionRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/sessions',
    action: 'create session',
    idempotent: true,
    readsBody: ['input'],
    status: 201,
    operation: `mutation CreateSession($input: CreateSessionInput!) { createSession(input: $input) { ${SESSION_FIELDS} } }`,
    variables: ({ body }) => ({ input: { name: body.name, metadata: body.metadata } }),
    body: (data) => sessionBody(data.createSession),
    readBack: { operation: `query ReadBackSession($id: ID!) { session(id: $id) { ${SESSION_FIELDS} } }`, body: (data) => sessionBody(data.session) },
  },
  {
    method: 'GET',
    path: '/sessions',
    action: 'list sessions',
    operation: `query ListSessions($status: SessionStatus, $limit: Int, $offset: Int, $after: String) {
      sessions(status: $status, limit: $limit, offset: $offset, after: $after) {
        data { id name status createdAt } pagination { ${PAGINATION_FIELDS} }
      }
    }`,
    variables: ({ query }) => ({ status: query.status, limit: query.limit, offset: query.offset, after: query.after }),
    body: (data) => data.sessions,
  },
  {
    method: 'GET',
    path: '/sessions/:id',
    action: 'retrieve session',
    operation: `query GetSession($id: ID!) { session(id: $id) { ${SESSION_FIELDS} } }`,
    variables: ({ params }) => ({ id: params.id }),
    body: (data) => sessionBody(data.session),
  },
  {
    method: 'POST',
    path: '/sessions/:id/complete',
    action: 'complete session',
    operation: 'mutation CompleteSession($id: ID!) { completeSession(id: $id) { id status completedAt } }',
    variables: ({ params }) => ({ id: params.id }),
    body: (data) => data.completeSession,
  },
  {
    method: 'POST',
    path: '/sessions/:id/fail',
    action: 'fail session',
    readsBody: ['reason'],
    operation: 'mutation FailSession($id: ID!, $reason: String!) { failSession(id: $id, reason: $reason) { id status completedAt failureReason } }',
    variables: ({ params, body }) => ({ id: params.id, reason: body.reason }),
    body: (data) => data.failSession,
  },
  {
    method: 'GET',
    path: '/sessions/:id/timeline',
    action: 'retrieve timeline',
    // One operation for both shapes: with ?limit= or ?after= it reads one page of the timeline.
    operation: `query SessionTimeline($id: ID!, $paged: Boolean!, $limit: Int, $after: String) {
      session(id: $id) {
        timeline @skip(if: $paged) { timestamp type payload }
        events(first: $limit, after: $after) @include(if: $paged) { edges { node { timestamp type payload cursor } } pageInfo { endCursor hasNextPage } }
      }
    }`,
    variables: ({ params, query }) => ({ id: params.id, paged: query.limit !== undefined || query.after !== undefined, limit: query.limit, after: query.after }),
    restNames: { first: 'limit' },
    body: (data) =>
      data.session.events
        ? { events: data.session.events.edges.map((e: { node: unknown }) => e.node), next: data.session.events.pageInfo.hasNextPage ? data.session.events.pageInfo.endCursor : null }
        : { events: data.session.timeline },
    // The whole timeline (no limit, no after) is read and written a page of 500 at a time: a session
    // with 10,000s of events must not hold the event loop for all of them at once.
    allPages: {
      when: ({ query }) => query.limit === undefined && query.after === undefined,
      field: 'events',
      variables: ({ params }, after) => ({ id: params.id, paged: true, limit: MAX_EVENTS_PAGE, after }),
      page: (data) => ({
        items: data.session.events.edges.map(({ node: { cursor: _cursor, ...event } }: { node: { cursor: string } }) => event),
        next: data.session.events.pageInfo.hasNextPage ? data.session.events.pageInfo.endCursor : null,
      }),
    },
  },
  {
    method: 'GET',
    path: '/sessions/:id/events',
    action: 'stream events',
    stream: true,
    operation: 'subscription SessionEvents($id: ID!, $after: String) { sessionEvents(sessionId: $id, after: $after) { cursor timestamp type payload } }',
    // An explicit ?after= wins over the Last-Event-ID an EventSource sends when it reconnects.
    variables: ({ params, query, headers }) => ({ id: params.id, after: query.after ?? headers?.['last-event-id'] }),
    body: (data) => {
      const e = data.sessionEvents;
      return { id: e.cursor, event: e.type, data: { timestamp: e.timestamp, type: e.type, payload: e.payload } };
    },
  },
  {
    method: 'POST',
    path: '/sessions/:id/replay',
    action: 'replay session',
    operation: 'mutation ReplaySession($id: ID!) { replaySession(id: $id) { steps { index timestamp action input output durationMs } } }',
    variables: ({ params }) => ({ id: params.id }),
    body: (data) => data.replaySession,
  },
];

const INBOX_FIELDS = 'id emailAddress status sessionId metadata createdAt expiresAt';
const MESSAGE_SUMMARY = 'id inboxId from to subject sizeBytes receivedAt';
const MESSAGE_DETAILS =
  'cc replyTo messageId inReplyTo headers { name value } attachments { id filename contentType sizeBytes contentId } codes { value part start end best } links { url text picked }';
const WAIT_FIELDS = 'id inboxId sessionId type status timeoutSeconds filters { from subjectContains to subjectMatches bodyMatches pattern } since result { type value messageId } createdAt deadline endedAt';

/**
 * GraphQL's ID also accepts integers, but a JSON number is not one of our ids: wrapped, it fails ID
 * coercion, so the client hears "<field> must be a string" rather than a misleading 404.
 */
export const idField = (v: unknown) => (typeof v === 'number' ? [v] : v);

/** GraphQL leaves unset filter fields (and `since`) null; REST leaves them out. */
const waitBody = ({ since, ...w }: any) => ({
  ...w,
  ...(since !== null ? { since } : {}),
  filters: Object.fromEntries(Object.entries(w.filters).filter(([, v]) => v !== null)),
});

export const inboxRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/inboxes',
    action: 'create inbox',
    idempotent: true,
    readsBody: ['input'],
    status: 201,
    operation: `mutation CreateInbox($input: CreateInboxInput!) { createInbox(input: $input) { ${INBOX_FIELDS} } }`,
    variables: ({ body }) => ({ input: { sessionId: idField(body.sessionId), ttlSeconds: body.ttlSeconds, metadata: body.metadata } }),
    body: (data) => data.createInbox,
    readBack: { operation: `query ReadBackInbox($id: ID!) { inbox(id: $id) { ${INBOX_FIELDS} } }`, body: (data) => data.inbox },
  },
  {
    method: 'GET',
    path: '/inboxes',
    action: 'list inboxes',
    operation: `query ListInboxes($status: InboxStatusFilter, $limit: Int, $offset: Int, $after: String) {
      inboxes(status: $status, limit: $limit, offset: $offset, after: $after) { data { ${INBOX_FIELDS} } pagination { ${PAGINATION_FIELDS} } }
    }`,
    variables: ({ query }) => ({ status: query.status, limit: query.limit, offset: query.offset, after: query.after }),
    body: (data) => data.inboxes,
  },
  {
    method: 'GET',
    path: '/inboxes/:id',
    action: 'retrieve inbox',
    operation: `query GetInbox($id: ID!) { inbox(id: $id) { ${INBOX_FIELDS} } }`,
    variables: ({ params }) => ({ id: params.id }),
    body: (data) => data.inbox,
  },
  {
    method: 'DELETE',
    path: '/inboxes/:id',
    action: 'delete inbox',
    operation: 'mutation DeleteInbox($id: ID!) { deleteInbox(id: $id) { id } }',
    variables: ({ params }) => ({ id: params.id }),
    body: () => undefined,
  },
  {
    method: 'POST',
    path: '/inboxes/:id/messages',
    action: 'deliver message',
    idempotent: true,
    readsBody: ['input'],
    rawBodyTypes: ['message/rfc822', 'text/plain'],
    status: 201,
    operation: `mutation DeliverMessage($inboxId: ID!, $input: DeliverMessageInput!) { deliverMessage(inboxId: $inboxId, input: $input) { ${MESSAGE_SUMMARY} } }`,
    variables: ({ params, body, rawBody }) => ({
      inboxId: params.id,
      input: rawBody !== undefined ? { raw: rawBody } : { raw: body.raw, from: body.from, to: body.to, subject: body.subject, text: body.text, html: body.html },
    }),
    body: (data) => data.deliverMessage,
    readBack: { operation: `query ReadBackMessage($id: ID!) { message(id: $id) { ${MESSAGE_SUMMARY} } }`, body: (data) => data.message },
  },
  {
    method: 'GET',
    path: '/inboxes/:id/messages',
    action: 'list messages',
    operation: `query ListMessages($id: ID!, $limit: Int, $offset: Int, $after: String) {
      inboxMessages(inboxId: $id, limit: $limit, offset: $offset, after: $after) { data { ${MESSAGE_SUMMARY} } pagination { ${PAGINATION_FIELDS} } }
    }`,
    variables: ({ params, query }) => ({ id: params.id, limit: query.limit, offset: query.offset, after: query.after }),
    body: (data) => data.inboxMessages,
  },
  {
    method: 'GET',
    path: '/messages/:id',
    action: 'retrieve message',
    operation: `query GetMessage($id: ID!) { message(id: $id) { ${MESSAGE_SUMMARY} text html ${MESSAGE_DETAILS} } }`,
    variables: ({ params }) => ({ id: params.id }),
    body: (data) => data.message,
  },
  {
    method: 'GET',
    path: '/messages/:id/raw',
    action: 'download message source',
    file: true,
    operation: 'query MessageSource($id: ID!) { messageSource(id: $id) { contentType } }',
    variables: ({ params }) => ({ id: params.id }),
    body: () => undefined,
  },
  {
    method: 'GET',
    path: '/messages/:id/attachments/:attachmentId',
    action: 'download attachment',
    file: true,
    operation: 'query MessageAttachment($id: ID!, $attachmentId: ID!) { messageAttachment(messageId: $id, attachmentId: $attachmentId) { contentType } }',
    variables: ({ params }) => ({ id: params.id, attachmentId: params.attachmentId }),
    body: () => undefined,
  },
];

export const waitRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/waits',
    action: 'create wait',
    idempotent: true,
    readsBody: ['input'],
    status: 201,
    operation: `mutation CreateWait($input: CreateWaitInput!) { createWait(input: $input) { ${WAIT_FIELDS} } }`,
    variables: ({ body }) => ({
      input: { inboxId: idField(body.inboxId), sessionId: idField(body.sessionId), type: body.type, timeoutSeconds: body.timeoutSeconds, filters: body.filters, since: body.since },
    }),
    body: (data) => waitBody(data.createWait),
    readBack: { operation: `query ReadBackWait($id: ID!) { wait(id: $id) { ${WAIT_FIELDS} } }`, body: (data) => waitBody(data.wait) },
  },
  {
    method: 'GET',
    path: '/waits/:id',
    action: 'retrieve wait',
    operation: `query GetWait($id: ID!, $waitSeconds: Int) { wait(id: $id, waitSeconds: $waitSeconds) { ${WAIT_FIELDS} } }`,
    variables: ({ params, query }) => ({ id: params.id, waitSeconds: query.waitSeconds }),
    body: (data) => waitBody(data.wait),
  },
  {
    method: 'POST',
    path: '/waits/:id/cancel',
    action: 'cancel wait',
    operation: `mutation CancelWait($id: ID!) { cancelWait(id: $id) { ${WAIT_FIELDS} } }`,
    variables: ({ params }) => ({ id: params.id }),
    body: (data) => waitBody(data.cancelWait),
  },
];

export const restRoutes: RestRoute[] = [...sessionRoutes, ...inboxRoutes, ...waitRoutes];

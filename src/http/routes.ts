import type { RestRoute } from './rest-adapter';

/**
 * The documented REST routes, one row each: the GraphQL operation it runs, where its variables come
 * from, and how `data` becomes the contract's body. Adding a route means adding a row.
 */
const SESSION_FIELDS = 'id name status createdAt updatedAt completedAt metadata inboxes { id } waits { id }';

type Ids = { id: string }[];
const sessionBody = (s: Record<string, unknown> & { inboxes: Ids; waits: Ids }) => ({
  id: s.id,
  name: s.name,
  status: s.status,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  completedAt: s.completedAt,
  metadata: s.metadata,
  inboxes: s.inboxes.map((i) => i.id),
  waits: s.waits.map((w) => w.id),
});

export const sessionRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/sessions',
    action: 'create session',
    readsBody: true,
    status: 201,
    operation: `mutation CreateSession($input: CreateSessionInput!) { createSession(input: $input) { ${SESSION_FIELDS} } }`,
    variables: ({ body }) => ({ input: { name: body.name, metadata: body.metadata } }),
    body: (data) => sessionBody(data.createSession),
  },
  {
    method: 'GET',
    path: '/sessions',
    action: 'list sessions',
    operation: `query ListSessions($status: SessionStatus, $limit: Int, $offset: Int) {
      sessions(status: $status, limit: $limit, offset: $offset) {
        data { id name status createdAt } pagination { limit offset total }
      }
    }`,
    variables: ({ query }) => ({ status: query.status, limit: query.limit, offset: query.offset }),
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
    readsBody: true,
    operation: 'mutation FailSession($id: ID!, $reason: String!) { failSession(id: $id, reason: $reason) { id status completedAt failureReason } }',
    variables: ({ params, body }) => ({ id: params.id, reason: body.reason }),
    body: (data) => data.failSession,
  },
  {
    method: 'GET',
    path: '/sessions/:id/timeline',
    action: 'retrieve timeline',
    operation: 'query SessionTimeline($id: ID!) { session(id: $id) { timeline { timestamp type payload } } }',
    variables: ({ params }) => ({ id: params.id }),
    body: (data) => ({ events: data.session.timeline }),
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

export const restRoutes: RestRoute[] = [...sessionRoutes];

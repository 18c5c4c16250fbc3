import { expect } from 'vitest';
import type { Reply, TestServer } from '../support/server';

/** The contract's error body, serialized as the server must send it (byte-exact comparisons). */
export const errorText = (error: string, message: string): string => JSON.stringify({ error, message });
export const UNAUTHORIZED = errorText('Unauthorized', 'Invalid or missing API key');
export const SESSION_NOT_FOUND = errorText('Not found', 'Session not found');
export const ROUTE_NOT_FOUND = errorText('Not found', 'Route not found');
export const invalid = (message: string): string => errorText('Invalid request', message);
export const internal = (action: string): string => errorText('Internal server error', `Failed to ${action}`);

export const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
export const SESSION_ID = /^sess_[0-9A-Za-z]{22}$/;
export const SESSION_KEYS = ['id', 'name', 'status', 'createdAt', 'updatedAt', 'completedAt', 'metadata', 'inboxes', 'waits'];

/** Asserts the reply is the given status with exactly this JSON error text. */
export function expectError(reply: Reply, status: number, text: string): void {
  expect({ status: reply.status, text: reply.text }).toEqual({ status, text });
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
}

export async function createSession(s: TestServer, body: Record<string, unknown> = { name: 'flow' }, key?: string): Promise<any> {
  const reply = await s.request('POST', '/api/v1/sessions', { body, key });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

/** A clock tests can set and move; the app reads it for every timestamp it writes. */
export function manualClock(start = Date.parse('2024-06-12T10:00:00.000Z')) {
  let now = start;
  const clock = () => new Date(now);
  return {
    clock,
    set: (iso: string) => {
      now = Date.parse(iso);
    },
    advance: (ms: number) => {
      now += ms;
    },
    iso: () => new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** Every per-session route with a sample body, for the "every route" loops. */
export const SESSION_ROUTES = (id: string) => [
  { method: 'GET', path: `/api/v1/sessions/${id}`, action: 'retrieve session' },
  { method: 'POST', path: `/api/v1/sessions/${id}/complete`, action: 'complete session' },
  { method: 'POST', path: `/api/v1/sessions/${id}/fail`, action: 'fail session', body: { reason: 'boom' } },
  { method: 'GET', path: `/api/v1/sessions/${id}/timeline`, action: 'retrieve timeline' },
  { method: 'POST', path: `/api/v1/sessions/${id}/replay`, action: 'replay session' },
];

export const ALL_ROUTES = (id: string) => [
  { method: 'POST', path: '/api/v1/sessions', action: 'create session', body: { name: 'flow' } as Record<string, unknown> | undefined },
  { method: 'GET', path: '/api/v1/sessions', action: 'list sessions', body: undefined },
  ...SESSION_ROUTES(id),
];

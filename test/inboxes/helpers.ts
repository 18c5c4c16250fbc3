import { expect } from 'vitest';
import type { TestServer } from '../support/server';

/** Shared by the inbox, message and wait suites. */
export const INBOX_ID = /^inb_[0-9A-Za-z]{22}$/;
export const WAIT_ID = /^wait_[0-9A-Za-z]{22}$/;
export const MESSAGE_ID = /^msg_[0-9A-Za-z]{22}$/;
export const ADDRESS = (domain: string) => new RegExp(`^[0-9a-z]{16}@${domain.replaceAll('.', '\\.')}$`);

export const INBOX_KEYS = ['id', 'emailAddress', 'status', 'sessionId', 'metadata', 'createdAt', 'expiresAt'];
export const MESSAGE_KEYS = ['id', 'inboxId', 'from', 'to', 'subject', 'sizeBytes', 'receivedAt'];
export const WAIT_KEYS = ['id', 'inboxId', 'sessionId', 'type', 'status', 'timeoutSeconds', 'filters', 'result', 'createdAt', 'deadline', 'endedAt'];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const plusSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function createInbox(s: TestServer, body: Record<string, unknown> = {}, key?: string): Promise<any> {
  const reply = await s.request('POST', '/api/v1/inboxes', { body, key });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

export async function createWait(s: TestServer, body: Record<string, unknown>, key?: string): Promise<any> {
  const reply = await s.request('POST', '/api/v1/waits', { body, key });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

export async function deliver(s: TestServer, inboxId: string, body: Record<string, unknown>, key?: string): Promise<any> {
  const reply = await s.request('POST', `/api/v1/inboxes/${inboxId}/messages`, { body, key });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

export async function getWait(s: TestServer, id: string, query = '', key?: string): Promise<any> {
  const reply = await s.request('GET', `/api/v1/waits/${id}${query}`, { key });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** Event types of a session straight from the database (no request goes through the API). */
export async function eventTypes(s: TestServer, sessionId: string): Promise<string[]> {
  const rows = await s.app.db.prisma.event.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  return rows.map((r) => r.type);
}

/** Events of one type whose payload names `key: value` (payloads are JSON, filtered here for both engines). */
export async function eventsWith(s: TestServer, type: string, key: string, value: string): Promise<any[]> {
  const rows = await s.app.db.prisma.event.findMany({ where: { type }, orderBy: { seq: 'asc' } });
  return rows.filter((r) => (r.payload as Record<string, unknown>)[key] === value);
}

export const count = (list: string[], type: string) => list.filter((t) => t === type).length;

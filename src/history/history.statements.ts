import type { Event, ReplayStep } from '../generated/sqlite/client';
import { FixedInsert } from '../db/fixed-writes';

/**
 * The timeline's and the replay log's rows as fixed INSERTs (db/fixed-writes.ts), for writers that
 * hold an adapter transaction (the SMTP group commit). `seq` is the tables' autoincrement: rows are
 * numbered in the order given, as with createMany.
 */
export const EVENT_INSERT = new FixedInsert<Omit<Event, 'seq'>>('Event', {
  id: 'text',
  ownerId: 'text',
  sessionId: 'text',
  type: 'text',
  payload: 'json',
  createdAt: 'datetime',
});

export const STEP_INSERT = new FixedInsert<Omit<ReplayStep, 'seq'>>('ReplayStep', {
  sessionId: 'text',
  action: 'text',
  input: 'json',
  output: 'json',
  durationMs: 'int',
  createdAt: 'datetime',
});

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, httpCall, type Outcome, startGateway, waitUntil } from './helpers';

// The SQLite database becomes unavailable under a running gateway process — for real, with SQLite's
// own locks, as root (permissions would not stop root): requests get the documented 500 bodies,
// /readyz says 503 while the file cannot be read, the process survives, and it recovers by itself
// once the fault is gone, without a restart.
//
// How the fault is made (WAL mode; another process = this test process):
//  1. "Writes blocked": another connection holds the write lock (BEGIN IMMEDIATE + a write). Readers
//     are not blocked in WAL mode, so reads and /readyz stay fine; writes fail after the busy timeout.
//  2. "Reads blocked too": while holding the write lock, the wal-index header in the -shm file is
//     invalidated (a stuck process mid-recovery looks like this). Every reader must rebuild the
//     index, which needs the write lock; SQLite retries for ~10 s, then answers SQLITE_PROTOCOL.
//     (An EXCLUSIVE lock cannot be taken while the gateway has the file open — it holds a shared lock
//     — and chmod/read-only files do not stop root.) Removing the fault: the header byte is put back
//     and the lock released. The file itself is never touched.
// This file runs in both vitest projects; its database is always a SQLite file of its own.
const KEY = 'sgk_sqlite_unavailable_test_key_0000000';
const INTERNAL = (action: string) => JSON.stringify({ error: 'Internal server error', message: `Failed to ${action}` });

let dir: string;
let file: string;
let gw: Gateway;
let sessionId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-unavailable-'));
  file = join(dir, 'gateway.db');
  // Keys are cached for a minute (the failures below come from the operations themselves), no rate
  // limit counter writes, and the settler stays out of the way: every failing statement blocks the
  // gateway's (synchronous) SQLite connection for seconds.
  gw = await startGateway({ DATABASE_URL: `file:${file}`, BOOTSTRAP_API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0', AUTH_CACHE_TTL_MS: '60000', SETTLE_INTERVAL_MS: '60000' });
  const created = await api('POST', '/api/v1/sessions', { name: 'before the outage' });
  expect(created.status).toBe(201);
  sessionId = created.body.id;
  expect((await api('GET', '/readyz')).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await gw?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = (method: string, path: string, body?: unknown): Promise<Outcome> => httpCall(gw.url, method, path, { key: KEY, body, timeoutMs: 40_000 });

function expectInternal(reply: Outcome, action: string): void {
  expect(reply.error).toBeUndefined();
  expect({ status: reply.status, text: reply.text }).toEqual({ status: 500, text: INTERNAL(action) });
}

function expectAlive(): void {
  expect(gw.child.exitCode).toBeNull();
  expect(gw.child.signalCode).toBeNull();
}

/** Another process's connection holding the WAL write lock; optionally also breaking the wal-index. */
function holdWriteLock() {
  const db = new Database(file, { timeout: 10_000 });
  db.exec('BEGIN IMMEDIATE');
  db.prepare(`UPDATE "Session" SET name = name WHERE id = 'none'`).run(); // a write: the lock is ours
  let shm: number | null = null;
  let saved: Buffer | null = null;
  return {
    /** Invalidates the first wal-index header copy (its isInit byte) in the -shm file. */
    breakIndex() {
      shm = openSync(`${file}-shm`, 'r+');
      saved = Buffer.alloc(1);
      readSync(shm, saved, 0, 1, 12);
      expect(saved[0]).toBe(1);
      writeSync(shm, Buffer.from([0]), 0, 1, 12);
    },
    release() {
      if (shm !== null) {
        writeSync(shm, saved!, 0, 1, 12);
        closeSync(shm);
      }
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

describe('SQLite: another process holds the write lock', () => {
  it('writes answer the documented 500, reads and /readyz keep working; writes work again when it lets go', async () => {
    const lock = holdWriteLock();
    try {
      expectInternal(await api('POST', '/api/v1/sessions', { name: 'during' }), 'create session'); // after the 5 s busy timeout
      expectInternal(await api('POST', `/api/v1/sessions/${sessionId}/complete`), 'complete session');
      expect((await api('GET', `/api/v1/sessions/${sessionId}`)).status).toBe(200);
      expect((await api('GET', '/readyz')).status).toBe(200);
      expectAlive();
    } finally {
      lock.release();
    }
    expect((await api('POST', '/api/v1/sessions', { name: 'after the write lock' })).status).toBe(201);
  }, 60_000);
});

describe('SQLite: the database cannot be read either', () => {
  it('answers documented 500s and /readyz 503, stays up, and recovers by itself when the fault is removed', async () => {
    const lock = holdWriteLock();
    lock.breakIndex();
    const replies: Record<string, Outcome> = {};
    try {
      replies.readyz = await api('GET', '/readyz');
      replies.get = await api('GET', `/api/v1/sessions/${sessionId}`);
      replies.create = await api('POST', '/api/v1/sessions', { name: 'during' });
      replies.healthz = await api('GET', '/healthz');
      expectAlive();
    } finally {
      lock.release();
    }
    expect({ status: replies.readyz.status, body: replies.readyz.body }).toEqual({ status: 503, body: { status: 'unavailable' } });
    expectInternal(replies.get, 'retrieve session');
    expectInternal(replies.create, 'create session');
    expect(replies.healthz.status).toBe(200); // the process answers; only the database is gone

    // Recovery, same process: ready again, reads and writes work, nothing was lost.
    await waitUntil('/readyz 200 again', async () => (await api('GET', '/readyz')).status === 200, 15_000, 200);
    expect((await api('GET', `/api/v1/sessions/${sessionId}`)).body).toMatchObject({ id: sessionId, name: 'before the outage' });
    expect((await api('POST', '/api/v1/sessions', { name: 'after the outage' })).status).toBe(201);
    expect((await api('GET', '/api/v1/sessions')).body.pagination.total).toBe(3);
    expectAlive();
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      check.close();
    }
    expect(await gw.stop()).toBe(0);
  }, 120_000);
});

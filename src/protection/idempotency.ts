import { createHash } from 'node:crypto';
import type { Clock } from '../common/clock';
import type { Database } from '../db/client';

export type IdempotencyStart =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; body: string | null }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

const TTL_MS = 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function requestHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts ?? null)).digest('hex');
}

/**
 * Remembers the first answer to a creating request sent with an `Idempotency-Key`, per owner and
 * route, for 24 hours. A retry with the same key and body gets that answer again and creates nothing;
 * the same key with another body is refused. Answers of 5xx are forgotten so the retry can succeed.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async begin(ownerId: string, key: string, route: string, hash: string): Promise<IdempotencyStart> {
    const now = this.clock();
    const id = { ownerId_key_route: { ownerId, key, route } };
    try {
      return await this.db.tx(async (tx) => {
        const existing = await tx.idempotencyRecord.findUnique({ where: id });
        if (existing && existing.expiresAt > now) {
          if (existing.requestHash !== hash) return { kind: 'mismatch' } as const;
          if (existing.status === null) return { kind: 'in_progress' } as const;
          return { kind: 'replay', status: existing.status, body: existing.body } as const;
        }
        if (existing) await tx.idempotencyRecord.delete({ where: id });
        await tx.idempotencyRecord.create({ data: { ownerId, key, route, requestHash: hash, createdAt: now, expiresAt: new Date(now.getTime() + TTL_MS) } });
        return { kind: 'new' } as const;
      });
    } catch (err) {
      // Two first attempts at once: the other one inserted the record first and is still running.
      if ((err as { code?: string }).code === 'P2002') return { kind: 'in_progress' };
      throw err;
    }
  }

  async finish(ownerId: string, key: string, route: string, status: number, body: string | null): Promise<void> {
    const where = { ownerId_key_route: { ownerId, key, route } };
    await this.db.tx(async (tx) => {
      if (status >= 500) await tx.idempotencyRecord.deleteMany({ where: { ownerId, key, route } });
      else await tx.idempotencyRecord.update({ where, data: { status, body } });
    });
  }

  async prune(): Promise<void> {
    await this.db.tx((tx) => tx.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: this.clock() } } }));
  }
}

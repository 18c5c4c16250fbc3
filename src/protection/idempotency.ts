import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Clock } from '../common/clock';
import type { Database, Tx } from '../db/client';
import { ConflictError } from '../graphql/errors';
import { canonicalJson } from './canonical-json';

export type IdempotencyStart =
  | { kind: 'new'; claim: IdempotencyClaim }
  | { kind: 'replay'; status: number; body: string | null }
  /** An earlier attempt created `resourceId` and then died before it answered: answer with that resource. */
  | { kind: 'recover'; resourceId: string; claim: IdempotencyClaim }
  | { kind: 'mismatch' }
  | { kind: 'in_progress'; retryAfterSeconds: number };

/** Who holds an in-progress record: the record's key and the lease this attempt wrote (its token). */
export interface IdempotencyClaim {
  ownerId: string;
  key: string;
  route: string;
  leaseUntil: Date;
}

const TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long an attempt may run before a retry may take its record over (IDEMPOTENCY_LEASE_MS). Best longer
 * than a creating request can take (transactions time out after 20 s); a live attempt that is overtaken
 * anyway cannot commit (recordCreated), so it is never done twice.
 */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 30_000;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The request's fingerprint: canonical JSON, so the same body with its keys in another order matches. */
export function requestHash(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts ?? null)).digest('hex');
}

const scope = new AsyncLocalStorage<{ claim: IdempotencyClaim; recorded: boolean }>();

/** Runs `fn` (a request's work) with `claim` in scope, for recordCreated. */
export function withIdempotencyClaim<T>(claim: IdempotencyClaim, fn: () => Promise<T>): Promise<T> {
  return scope.run({ claim, recorded: false }, fn);
}

/**
 * Called by a service inside the transaction that creates a request's resource: when the request carries
 * an Idempotency-Key, its record learns the resource's id in that same transaction. A crash then leaves
 * either no resource and no id (a retry runs the work again) or both (a retry answers with the resource),
 * never a resource the key does not know. If a retry took the record over meanwhile, the work is refused
 * (rolled back) so that it happens once.
 */
export async function recordCreated(tx: Tx, resourceId: string): Promise<void> {
  const current = scope.getStore();
  // Only the request's own top-level resource: anything created later in the same request is not it.
  if (!current || current.recorded) return;
  current.recorded = true;
  const { ownerId, key, route, leaseUntil } = current.claim;
  const updated = await tx.idempotencyRecord.updateMany({
    where: { ownerId, key, route, status: null, resourceId: null, leaseUntil },
    data: { resourceId },
  });
  if (updated.count !== 1) throw new ConflictError('A retry with this Idempotency-Key took over this request');
}

/**
 * Remembers the first answer to a creating request sent with an `Idempotency-Key`, per owner and
 * route, for 24 hours. A retry with the same key and body gets that answer again and creates nothing;
 * the same key with another body is refused. Answers of 5xx are forgotten so the retry can succeed —
 * unless the resource was created, which the retry then answers with.
 *
 * Crashes: an attempt holds its record for IDEMPOTENCY_LEASE_MS. After that a retry takes over; it runs
 * the work again when the dead attempt created nothing, or reads back what it created (recordCreated).
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly leaseMs = DEFAULT_IDEMPOTENCY_LEASE_MS,
  ) {}

  async begin(ownerId: string, key: string, route: string, hash: string): Promise<IdempotencyStart> {
    const now = this.clock();
    const id = { ownerId_key_route: { ownerId, key, route } };
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const claim: IdempotencyClaim = { ownerId, key, route, leaseUntil };
    try {
      return await this.db.tx(async (tx): Promise<IdempotencyStart> => {
        const existing = await tx.idempotencyRecord.findUnique({ where: id });
        if (existing && existing.expiresAt > now) {
          if (existing.requestHash !== hash) return { kind: 'mismatch' };
          if (existing.status !== null) return { kind: 'replay', status: existing.status, body: existing.body };
          // Records written before leases existed count from their creation.
          const held = existing.leaseUntil ?? new Date(existing.createdAt.getTime() + this.leaseMs);
          if (held > now) return { kind: 'in_progress', retryAfterSeconds: Math.max(1, Math.ceil((held.getTime() - now.getTime()) / 1000)) };
          // The lease ran out: the attempt died (or hangs). Take over, if no other retry did just now.
          const taken = await tx.idempotencyRecord.updateMany({
            where: { ownerId, key, route, status: null, leaseUntil: existing.leaseUntil },
            data: { leaseUntil },
          });
          if (taken.count !== 1) return { kind: 'in_progress', retryAfterSeconds: Math.ceil(this.leaseMs / 1000) };
          return existing.resourceId ? { kind: 'recover', resourceId: existing.resourceId, claim } : { kind: 'new', claim };
        }
        if (existing) await tx.idempotencyRecord.delete({ where: id });
        await tx.idempotencyRecord.create({
          data: { ownerId, key, route, requestHash: hash, createdAt: now, expiresAt: new Date(now.getTime() + TTL_MS), leaseUntil },
        });
        return { kind: 'new', claim };
      });
    } catch (err) {
      // Two first attempts at once: the other one inserted the record first and is still running.
      if ((err as { code?: string }).code === 'P2002') return { kind: 'in_progress', retryAfterSeconds: 1 };
      throw err;
    }
  }

  /** Stores the answer — if this attempt still holds the record (a retry may have taken it over). */
  async finish(claim: IdempotencyClaim, status: number, body: string | null): Promise<void> {
    const { ownerId, key, route, leaseUntil } = claim;
    const held = { ownerId, key, route, status: null, leaseUntil };
    await this.db.tx(async (tx) => {
      if (status < 500) await tx.idempotencyRecord.updateMany({ where: held, data: { status, body } });
      else {
        // Nothing was created: forget the key so that the retry runs the work. Something was: let the
        // retry take over at once and answer with it.
        await tx.idempotencyRecord.deleteMany({ where: { ...held, resourceId: null } });
        await tx.idempotencyRecord.updateMany({ where: held, data: { leaseUntil: this.clock() } });
      }
    });
  }

  async prune(): Promise<void> {
    await this.db.tx((tx) => tx.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: this.clock() } } }));
  }
}
